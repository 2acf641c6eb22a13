// StaticFiles: serves the web UI from one directory (GET and HEAD).
//
// Only regular files under the root are served: the path is percent-decoded and any `..`, NUL,
// backslash or hidden segment is refused, and the resolved path must stay under the root (no
// symlink escape). "/" and directories map to index.html. Thread-safe (no state but the root).
#pragma once

#include <optional>
#include <string>
#include <string_view>

#include "api/http/respond.h"

namespace walcast::api {

class StaticFiles {
 public:
  explicit StaticFiles(std::string root);

  // The response for `target`'s path, or nullopt when no such file exists (the caller answers 404).
  std::optional<Response> Serve(std::string_view path, bool head_only) const;

  const std::string& Root() const { return root_; }

 private:
  std::string root_;  // canonical, without a trailing slash
};

// The Content-Type for a file name, by extension.
std::string_view MimeType(std::string_view file_name);

}  // namespace walcast::api
