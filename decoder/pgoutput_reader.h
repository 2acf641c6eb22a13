// ReadMessage: one pgoutput message (the payload of one XLogData frame) in, a typed Message out.
// Protocol versions 1 and 2; two-phase messages are rejected as unsupported.
//
// Pure and thread-safe. The Message holds views into `bytes` (see pgoutput_message.h).
#pragma once

#include <string_view>

#include "decoder/decode_error.h"
#include "decoder/pgoutput_message.h"

namespace walcast::decoder {

// `in_stream_block` says whether the message arrived between Stream Start and Stream Stop: there
// protocol 2 puts an xid after the tag of Relation, Type, Insert, Update, Delete, Truncate and
// Message, so the caller must track it (StreamDecoder does). Every byte is accounted for: an
// unknown tag, a short message, a forbidden flag or trailing bytes are errors naming the message
// kind, the field and its offset.
Result<Message> ReadMessage(std::string_view bytes, bool in_stream_block);

}  // namespace walcast::decoder
