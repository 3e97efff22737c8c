#pragma once
// HMAC-SHA256 with the key's inner and outer pads hashed once, so each MAC costs only the
// message blocks plus one block (OpenSSL EVP digests).
#include <array>
#include <string_view>

struct evp_md_ctx_st;

namespace arena::auth {

class HmacKey {
 public:
  explicit HmacKey(std::string_view secret);
  ~HmacKey();
  HmacKey(const HmacKey&) = delete;
  HmacKey& operator=(const HmacKey&) = delete;

  using Mac = std::array<unsigned char, 32>;
  Mac mac(std::string_view data) const;

 private:
  evp_md_ctx_st* inner_;
  evp_md_ctx_st* outer_;
};

}  // namespace arena::auth
