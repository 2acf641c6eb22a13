#include "api/http/static_files.h"

#include <filesystem>
#include <fstream>
#include <sstream>

#include "api/http/url.h"

namespace walcast::api {
namespace fs = std::filesystem;

namespace {

bool SafeRelativePath(std::string_view path) {
  if (path.find('\0') != std::string_view::npos || path.find('\\') != std::string_view::npos) {
    return false;
  }
  size_t start = 0;
  while (start <= path.size()) {
    size_t end = path.find('/', start);
    if (end == std::string_view::npos) end = path.size();
    std::string_view segment = path.substr(start, end - start);
    if (!segment.empty() && segment[0] == '.') return false;  // `..`, `.`, hidden files
    start = end + 1;
  }
  return true;
}

}  // namespace

std::string_view MimeType(std::string_view name) {
  auto dot = name.rfind('.');
  std::string_view ext = dot == std::string_view::npos ? "" : name.substr(dot + 1);
  if (ext == "html") return "text/html; charset=utf-8";
  if (ext == "js" || ext == "mjs") return "text/javascript; charset=utf-8";
  if (ext == "css") return "text/css; charset=utf-8";
  if (ext == "json") return "application/json";
  if (ext == "svg") return "image/svg+xml";
  if (ext == "png") return "image/png";
  if (ext == "ico") return "image/x-icon";
  if (ext == "txt") return "text/plain; charset=utf-8";
  if (ext == "webmanifest") return "application/manifest+json";
  return "application/octet-stream";
}

StaticFiles::StaticFiles(std::string root) {
  std::error_code ec;
  auto canonical = fs::canonical(root, ec);
  root_ = ec ? root : canonical.string();
  while (root_.size() > 1 && root_.back() == '/') root_.pop_back();
}

std::optional<Response> StaticFiles::Serve(std::string_view path, bool head_only) const {
  auto decoded = DecodeUrlPath(path);
  if (!decoded || decoded->empty() || (*decoded)[0] != '/') return std::nullopt;
  std::string relative = decoded->substr(1);
  if (!SafeRelativePath(relative)) return std::nullopt;

  std::error_code ec;
  fs::path file = fs::path(root_) / relative;
  if (relative.empty() || fs::is_directory(file, ec)) file /= "index.html";
  auto resolved = fs::canonical(file, ec);
  if (ec || !fs::is_regular_file(resolved, ec)) return std::nullopt;
  const std::string& resolved_text = resolved.native();
  if (resolved_text.compare(0, root_.size() + 1, root_ + "/") != 0) return std::nullopt;

  std::ifstream in(resolved, std::ios::binary);
  if (!in) return std::nullopt;
  std::ostringstream content;
  content << in.rdbuf();

  Response response(http::status::ok, 11);
  response.set(http::field::content_type, MimeType(resolved.filename().native()));
  // The UI is small and changes with deployments: always revalidate rather than serve stale code.
  response.set(http::field::cache_control, "no-cache");
  if (head_only) {
    response.content_length(content.str().size());
  } else {
    response.body() = content.str();
  }
  return response;
}

}  // namespace walcast::api
