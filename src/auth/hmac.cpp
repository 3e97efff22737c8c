#include "hmac.hpp"

#include <openssl/evp.h>
#include <openssl/sha.h>

#include <stdexcept>

namespace arena::auth {
namespace {

const EVP_MD* sha256() {
  static EVP_MD* md = EVP_MD_fetch(nullptr, "SHA256", nullptr);
  return md;
}

void check(int ok) {
  if (ok != 1) throw std::runtime_error("OpenSSL digest failure");
}

// One scratch context per thread, reused for every MAC.
EVP_MD_CTX* scratch() {
  thread_local struct Holder {
    EVP_MD_CTX* ctx = EVP_MD_CTX_new();
    ~Holder() { EVP_MD_CTX_free(ctx); }
  } holder;
  return holder.ctx;
}

}  // namespace

HmacKey::HmacKey(std::string_view secret) : inner_(EVP_MD_CTX_new()), outer_(EVP_MD_CTX_new()) {
  constexpr std::size_t kBlock = 64;
  std::array<unsigned char, kBlock> key{};
  if (secret.size() > kBlock) {
    SHA256(reinterpret_cast<const unsigned char*>(secret.data()), secret.size(), key.data());
  } else {
    std::copy(secret.begin(), secret.end(), key.begin());
  }
  std::array<unsigned char, kBlock> ipad{}, opad{};
  for (std::size_t i = 0; i < kBlock; ++i) {
    ipad[i] = static_cast<unsigned char>(key[i] ^ 0x36);
    opad[i] = static_cast<unsigned char>(key[i] ^ 0x5c);
  }
  check(EVP_DigestInit_ex(inner_, sha256(), nullptr));
  check(EVP_DigestUpdate(inner_, ipad.data(), kBlock));
  check(EVP_DigestInit_ex(outer_, sha256(), nullptr));
  check(EVP_DigestUpdate(outer_, opad.data(), kBlock));
  OPENSSL_cleanse(key.data(), key.size());
}

HmacKey::~HmacKey() {
  EVP_MD_CTX_free(inner_);
  EVP_MD_CTX_free(outer_);
}

HmacKey::Mac HmacKey::mac(std::string_view data) const {
  EVP_MD_CTX* ctx = scratch();
  Mac inner_hash{}, out{};
  unsigned int len = 0;
  check(EVP_MD_CTX_copy_ex(ctx, inner_));
  check(EVP_DigestUpdate(ctx, data.data(), data.size()));
  check(EVP_DigestFinal_ex(ctx, inner_hash.data(), &len));
  check(EVP_MD_CTX_copy_ex(ctx, outer_));
  check(EVP_DigestUpdate(ctx, inner_hash.data(), inner_hash.size()));
  check(EVP_DigestFinal_ex(ctx, out.data(), &len));
  return out;
}

}  // namespace arena::auth
