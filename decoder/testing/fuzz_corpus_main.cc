// Test-only: writes the decoder fuzzer's seed corpus (one file per scenario) into the directory
// given as the only argument: whole, streamed and aborted transactions of every message kind,
// keepalives, NOTIFY payloads and value text, so fuzzing starts from deep, valid inputs.
#include <fstream>
#include <iostream>
#include <string>
#include <vector>

#include "decoder/testing/fuzz_input.h"
#include "decoder/testing/pgoutput_encoder.h"

namespace t = walcast::decoder::testing;
using t::FuzzTarget;

namespace {

std::string Feed(const std::vector<std::string>& messages) {
  std::string input;
  for (const std::string& message : messages) input += t::FuzzRecord(FuzzTarget::kFeed, message);
  return input;
}

}  // namespace

int main(int argc, char** argv) {
  if (argc != 2) {
    std::cerr << "usage: decoder_fuzz_corpus DIR\n";
    return 2;
  }
  const uint32_t orders = t::kOrdersRelationId;
  t::Tuple toasted = t::OrdersRow(1, "Alice", "", "shipped");
  toasted[2] = t::Unchanged();
  const std::vector<std::pair<std::string, std::string>> seeds = {
      {"insert", Feed({t::Begin(0x100, 5, 7), t::OrdersRelation(),
                       t::Insert(orders, t::OrdersRow(1)), t::Commit(0x100, 0x180, 5)})},
      {"update_delete_truncate",
       Feed({t::Begin(0x100, 5, 7), t::OrdersRelation(),
             t::Update(orders, 'O', t::OrdersRow(1), toasted),
             t::Update(orders, 'K', t::OrdersRow(1), t::OrdersRow(2)),
             t::Delete(orders, 'O', t::OrdersRow(2)), t::Truncate({orders}, 3),
             t::Origin(0x100, "o"), t::Type(9000, "public", "mood"),
             t::LogicalMessage(true, 0x90, "p", "c"), t::Commit(0x100, 0x180, 5)})},
      {"streamed",
       Feed({t::StreamStart(500, true), t::OrdersRelation(orders, 500),
             t::Insert(orders, t::OrdersRow(1), 500), t::Insert(orders, t::OrdersRow(2), 501),
             t::StreamStop(), t::StreamAbort(500, 501), t::StreamStart(500, false),
             t::Update(orders, 'O', t::OrdersRow(1), t::OrdersRow(3), 500),
             t::Truncate({orders}, 0, 500), t::LogicalMessage(true, 0x90, "p", "c", 500),
             t::StreamStop(), t::StreamCommit(500, 0x300, 0x320, 5), t::StreamStart(600, true),
             t::StreamStop(), t::StreamAbort(600, 600)})},
      {"frames",
       t::FuzzRecord(FuzzTarget::kFrame, t::KeepaliveFrame(0x10, 5, true)) +
           t::FuzzRecord(FuzzTarget::kFrame, t::XLogDataFrame(0, 0x10, 5, t::OrdersRelation())) +
           t::FuzzRecord(FuzzTarget::kFrame,
                         t::XLogDataFrame(0x10, 0x10, 5, t::Begin(0x20, 5, 1))) +
           t::FuzzRecord(FuzzTarget::kFrame,
                         t::XLogDataFrame(0x10, 0x10, 5, t::Insert(orders, t::OrdersRow(4)))) +
           t::FuzzRecord(FuzzTarget::kFrame,
                         t::XLogDataFrame(0x10, 0x10, 5, t::Commit(0x20, 0x30, 5)))},
      {"notify",
       t::FuzzRecord(FuzzTarget::kNotify,
                     R"({"operation":"UPDATE","table":"orders","data":{"id":1,"status":"shipped",)"
                     R"("created_at":"2026-11-24T10:45:54.991053+00:00","doc":{"a":[1]}},)"
                     R"("timestamp":1795517154.991053})")},
      {"text", t::FuzzRecord(FuzzTarget::kText, "2026-11-24 16:15:54.991053+05:30") +
                   t::FuzzRecord(FuzzTarget::kText, "16/B374D848") +
                   t::FuzzRecord(FuzzTarget::kText, "0000000001A3F2C8-00000003") +
                   t::FuzzRecord(FuzzTarget::kText, R"({"a":[1,2.5,"x"]})")},
  };
  for (const auto& [name, input] : seeds) {
    std::ofstream file(std::string(argv[1]) + "/" + name, std::ios::binary);
    file << input;
    if (!file) {
      std::cerr << "decoder_fuzz_corpus: cannot write " << argv[1] << "/" << name << "\n";
      return 1;
    }
  }
  return 0;
}
