#include "daemon/spill_directory.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <filesystem>
#include <string_view>
#include <vector>

namespace walcast::daemon {
namespace {

using decoder::DecodeError;
using decoder::ErrorCode;
using decoder::Result;
using decoder::Status;

constexpr size_t kBufferBytes = 256 * 1024;
constexpr std::string_view kKind = "Spill";

DecodeError StorageError(std::string what) {
  return DecodeError{ErrorCode::kStorage, kKind, "", 0, std::move(what)};
}

DecodeError SystemError(std::string what, int error) {
  return StorageError(what + ": " + std::strerror(error));
}

// An unlinked file in `directory`: gone as soon as it is closed, whatever happens to us.
Result<int> OpenUnlinked(const std::string& directory) {
  std::error_code ec;
  std::filesystem::create_directories(directory, ec);
  int fd = ::open(directory.c_str(), O_TMPFILE | O_RDWR | O_CLOEXEC, 0600);
  if (fd >= 0) return fd;
  if (errno != EOPNOTSUPP && errno != EISDIR && errno != EINVAL) {
    return SystemError("cannot create a spill file in " + directory, errno);
  }
  std::string path = directory + "/walcast-spill-XXXXXX";
  std::vector<char> name(path.begin(), path.end());
  name.push_back('\0');
  fd = ::mkostemp(name.data(), O_CLOEXEC);
  if (fd < 0) return SystemError("cannot create a spill file in " + directory, errno);
  ::unlink(name.data());
  return fd;
}

}  // namespace

class SpillDirectory::File : public decoder::SpillFile {
 public:
  File(SpillDirectory& owner, int fd) : owner_(owner), fd_(fd) {
    buffer_.reserve(kBufferBytes);
    owner_.live_files_.fetch_add(1, std::memory_order_relaxed);
    owner_.created_files_.fetch_add(1, std::memory_order_relaxed);
  }
  ~File() override {
    ::close(fd_);
    owner_.live_bytes_.fetch_sub(size_, std::memory_order_relaxed);
    owner_.live_files_.fetch_sub(1, std::memory_order_relaxed);
  }

  Status Append(std::string_view record) override {
    if (reading_) return StorageError("append after reading began");
    const uint64_t bytes = 4 + record.size();
    // Reserve first, so two files growing at once cannot both pass the check.
    uint64_t before = owner_.live_bytes_.fetch_add(bytes, std::memory_order_relaxed);
    if (before + bytes > owner_.max_bytes_) {
      owner_.live_bytes_.fetch_sub(bytes, std::memory_order_relaxed);
      return DecodeError{ErrorCode::kSpillLimit, kKind, "", 0,
                         "spill limit exceeded: the files in " + owner_.directory_ +
                             " would hold more than " + std::to_string(owner_.max_bytes_) +
                             " bytes (raise --spill-max-bytes)"};
    }
    size_ += bytes;
    const uint32_t length = static_cast<uint32_t>(record.size());
    char header[4];
    std::memcpy(header, &length, 4);
    if (auto status = Write(std::string_view(header, 4)); !status.ok()) return status;
    return Write(record);
  }

  Result<std::optional<std::string_view>> Next() override {
    if (!reading_) {
      if (auto status = FlushBuffer(); !status.ok()) return status.error();
      reading_ = true;
      buffer_.clear();
      read_at_ = 0;
      file_offset_ = 0;
    }
    auto header = Take(4);
    if (!header.ok()) return header.error();
    if (header->empty()) return std::optional<std::string_view>();
    if (header->size() < 4) return StorageError("spill file ends inside a record header");
    uint32_t length;
    std::memcpy(&length, header->data(), 4);
    auto record = Take(length);
    if (!record.ok()) return record.error();
    if (record->size() < length) return StorageError("spill file ends inside a record");
    return std::optional<std::string_view>(*record);
  }

  uint64_t size() const override { return size_; }

 private:
  Status Write(std::string_view bytes) {
    if (buffer_.size() + bytes.size() > kBufferBytes) {
      if (auto status = FlushBuffer(); !status.ok()) return status;
    }
    if (bytes.size() > kBufferBytes) return WriteAll(bytes);
    buffer_.append(bytes);
    return Status();
  }

  Status FlushBuffer() {
    Status status = WriteAll(buffer_);
    buffer_.clear();
    return status;
  }

  Status WriteAll(std::string_view bytes) {
    while (!bytes.empty()) {
      ssize_t written = ::write(fd_, bytes.data(), bytes.size());
      if (written < 0) {
        if (errno == EINTR) continue;
        return SystemError("cannot write a spill file in " + owner_.directory_, errno);
      }
      bytes.remove_prefix(static_cast<size_t>(written));
    }
    return Status();
  }

  // The next `size` bytes of the file (fewer at its end), valid until the next call.
  Result<std::string_view> Take(size_t size) {
    if (buffer_.size() - read_at_ < size) {
      // Keep the unread rest, then fill up to the buffer size or the record size.
      buffer_.erase(0, read_at_);
      read_at_ = 0;
      size_t want = std::max(size, kBufferBytes);
      size_t have = buffer_.size();
      buffer_.resize(want);
      while (have < size) {
        ssize_t got =
            ::pread(fd_, buffer_.data() + have, want - have, static_cast<off_t>(file_offset_));
        if (got < 0) {
          if (errno == EINTR) continue;
          buffer_.resize(have);
          return SystemError("cannot read back a spill file in " + owner_.directory_, errno);
        }
        if (got == 0) break;
        have += static_cast<size_t>(got);
        file_offset_ += static_cast<uint64_t>(got);
      }
      buffer_.resize(have);
    }
    size_t n = std::min(size, buffer_.size() - read_at_);
    std::string_view view(buffer_.data() + read_at_, n);
    read_at_ += n;
    return view;
  }

  SpillDirectory& owner_;
  int fd_;
  uint64_t size_ = 0;
  bool reading_ = false;
  std::string buffer_;
  size_t read_at_ = 0;
  uint64_t file_offset_ = 0;
};

SpillDirectory::SpillDirectory(std::string directory, uint64_t max_bytes)
    : directory_(std::move(directory)), max_bytes_(max_bytes) {}

Result<std::unique_ptr<decoder::SpillFile>> SpillDirectory::Create() {
  auto fd = OpenUnlinked(directory_);
  if (!fd.ok()) return fd.error();
  return std::unique_ptr<decoder::SpillFile>(std::make_unique<File>(*this, *fd));
}

}  // namespace walcast::daemon
