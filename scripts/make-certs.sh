#!/usr/bin/env bash
# Makes a private CA and, signed by it, a server certificate (valid for
# localhost, 127.0.0.1 and ::1, plus the names and addresses given) and a
# client certificate for mutual TLS, into DIR (default var/certs):
#   ca.pem ca.key  server.pem server.key  client.pem client.key
# For trying TLS on one machine, and for the tests; a real deployment uses
# certificates from its own CA. Keys are P-256, readable by the owner only.
#   scripts/make-certs.sh [DIR] [NAME_OR_IP ...]
set -euo pipefail
dir=${1:-var/certs}
shift || true
mkdir -p "$dir"
cd "$dir"
san="DNS:localhost,IP:127.0.0.1,IP:::1"
for name in "$@"; do
  if [[ $name =~ ^[0-9.]+$ || $name == *:* ]]; then san+=",IP:$name"; else san+=",DNS:$name"; fi
done
umask 077
key() { openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 -out "$1" 2>/dev/null; }

key ca.key
openssl req -x509 -new -key ca.key -out ca.pem -days 3650 -subj "/CN=clientele private CA" \
  -addext "basicConstraints=critical,CA:TRUE" -addext "keyUsage=critical,keyCertSign,cRLSign"

# sign NAME CN EXTENSIONS
sign() {
  key "$1.key"
  openssl req -new -key "$1.key" -out "$1.csr" -subj "/CN=$2"
  openssl x509 -req -in "$1.csr" -CA ca.pem -CAkey ca.key -CAcreateserial -days 825 \
    -out "$1.pem" -extfile <(printf '%s\n' "$3") 2>/dev/null
  rm -f "$1.csr"
}
sign server clienteled "subjectAltName=$san
extendedKeyUsage=serverAuth"
sign client clientele-client "extendedKeyUsage=clientAuth"
rm -f ca.srl
chmod 644 ca.pem server.pem client.pem
echo "made $(pwd)/{ca,server,client}.{pem,key} (server valid for $san)"
