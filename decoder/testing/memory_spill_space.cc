#include "decoder/testing/memory_spill_space.h"

namespace walcast::decoder::testing {

class MemorySpillSpace::File : public SpillFile {
 public:
  explicit File(MemorySpillSpace& space) : space_(space) {
    ++space_.live_files_;
    ++space_.created_files_;
  }
  ~File() override {
    space_.live_bytes_ -= size_;
    --space_.live_files_;
  }

  Status Append(std::string_view record) override {
    if (reading_) {
      return DecodeError{ErrorCode::kStorage, "Spill", "", 0, "append after reading began"};
    }
    if (space_.live_bytes_ + record.size() > space_.max_bytes_) {
      return DecodeError{ErrorCode::kSpillLimit, "Spill", "", 0, "spill limit exceeded"};
    }
    records_.emplace_back(record);
    size_ += record.size();
    space_.live_bytes_ += record.size();
    return Status();
  }

  Result<std::optional<std::string_view>> Next() override {
    reading_ = true;
    if (next_ == records_.size()) return std::optional<std::string_view>();
    return std::optional<std::string_view>(records_[next_++]);
  }

  uint64_t size() const override { return size_; }

 private:
  MemorySpillSpace& space_;
  std::vector<std::string> records_;
  size_t next_ = 0;
  uint64_t size_ = 0;
  bool reading_ = false;
};

Result<std::unique_ptr<SpillFile>> MemorySpillSpace::Create() {
  return std::unique_ptr<SpillFile>(std::make_unique<File>(*this));
}

}  // namespace walcast::decoder::testing
