#include "common/sha256.h"

#include <openssl/evp.h>

#include "common/strings.h"

namespace clientele {

Sha256::Sha256()
    : context_(EVP_MD_CTX_new()),
      ok_(context_ != nullptr && EVP_DigestInit_ex(context_, EVP_sha256(), nullptr) == 1) {}

Sha256::~Sha256() { EVP_MD_CTX_free(context_); }

bool Sha256::Add(std::string_view bytes) {
  ok_ = ok_ && EVP_DigestUpdate(context_, bytes.data(), bytes.size()) == 1;
  return ok_;
}

std::string Sha256::Raw() {
  unsigned char digest[EVP_MAX_MD_SIZE];
  unsigned int size = 0;
  if (!ok_ || EVP_DigestFinal_ex(context_, digest, &size) != 1) {
    ok_ = false;
    return "";
  }
  return std::string(reinterpret_cast<const char*>(digest), size);
}

std::string Sha256::Hex() { return ToHex(Raw()); }

std::string Sha256Raw(std::string_view bytes) {
  Sha256 hash;
  hash.Add(bytes);
  return hash.Raw();
}

std::string Sha256Hex(std::string_view bytes) { return ToHex(Sha256Raw(bytes)); }

std::string ToHex(std::string_view raw) {
  std::string hex;
  hex.reserve(raw.size() * 2);
  for (char byte : raw) hex += HexByte(static_cast<unsigned char>(byte));
  return hex;
}

}  // namespace clientele
