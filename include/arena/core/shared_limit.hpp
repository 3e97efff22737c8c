#pragma once
// A per-key limit that several processes enforce together without a round trip on the caller's
// path: retry_after() and note() touch only this process's memory; sync(), on a background
// thread, hands the counts noted since the last sync to the shared store and learns which keys
// went over the limit. So a key that goes over is refused everywhere within a sync interval
// (each process may let one more through meanwhile).
#include <string>

namespace arena::core {

class SharedLimit {
 public:
  virtual ~SharedLimit() = default;
  // Whole seconds until `key` may be used again; 0: it may now.
  virtual int retry_after(const std::string& key) = 0;
  // `key` was used once here.
  virtual void note(const std::string& key) = 0;
  // Throws when the shared store does not answer (the counts since the last sync are lost: the
  // callers' own limits still hold).
  virtual void sync() = 0;
};

}  // namespace arena::core
