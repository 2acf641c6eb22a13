// Small text helpers shared by the CLI's views: JSON values as the text a person reads, the
// width of UTF-8 text, and the pieces of a followed event's line. Pure.
#pragma once

#include <rapidjson/document.h>

#include <cstddef>
#include <string>
#include <string_view>

namespace walcast::cli {

// Strings bare, everything else (numbers, null, objects) as compact JSON.
std::string JsonText(const rapidjson::Value& value);
// JsonText of `object[name]`; "" when `object` is not an object or has no such member.
std::string MemberText(const rapidjson::Value& object, const char* name);
// Code points in UTF-8 `text`: its width in a terminal for the scripts the CLI shows.
std::size_t CodePoints(const std::string& text);
// `object[name]` when it is a string, else "".
std::string StringMember(const rapidjson::Value& object, const char* name);
// `text` padded with spaces to `width` code points (longer text is kept whole).
std::string Pad(std::string text, std::size_t width);
// "2026-11-24T10:45:54.991053Z" → "10:45:54.991": the date rarely matters when following.
std::string ShortTime(const std::string& rfc3339);

// ANSI styles of an event line (used unless NO_COLOR is set).
inline constexpr const char* kReset = "\033[0m";
inline constexpr const char* kDim = "\033[2m";
inline constexpr const char* kBold = "\033[1m";
// Green insert, yellow update, red delete, magenta truncate and anything new.
const char* OperationColor(std::string_view operation);

}  // namespace walcast::cli
