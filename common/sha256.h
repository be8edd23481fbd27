// SHA-256 (OpenSSL's), for every hash clientele takes: ruleset versions,
// idempotency fingerprints, import streams, backups and bearer tokens.
//
// A Sha256 object is not thread-safe; the free functions are.
#ifndef CLIENTELE_COMMON_SHA256_H_
#define CLIENTELE_COMMON_SHA256_H_

#include <string>
#include <string_view>

struct evp_md_ctx_st;  // OpenSSL's EVP_MD_CTX

namespace clientele {

// SHA-256 fed a piece at a time (a stream's messages, a file's chunks).
// Hex() or Raw() once, at the end.
class Sha256 {
 public:
  Sha256();
  ~Sha256();
  Sha256(const Sha256&) = delete;
  Sha256& operator=(const Sha256&) = delete;
  // False once OpenSSL failed (no memory): the hash is then worthless.
  bool ok() const { return ok_; }
  bool Add(std::string_view bytes);
  std::string Raw();  // the 32 bytes; "" when !ok()
  std::string Hex();  // 64 lower-case hex digits; "" when !ok()

 private:
  evp_md_ctx_st* context_;
  bool ok_;
};

// The whole of `bytes` at once.
std::string Sha256Raw(std::string_view bytes);
std::string Sha256Hex(std::string_view bytes);

// Lower-case hex of raw bytes.
std::string ToHex(std::string_view raw);

}  // namespace clientele

#endif  // CLIENTELE_COMMON_SHA256_H_
