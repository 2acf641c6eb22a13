// Small text helpers shared by the CLI's views: JSON values as the text a person reads, and the
// width of UTF-8 text. Pure.
#pragma once

#include <rapidjson/document.h>

#include <cstddef>
#include <string>

namespace walcast::cli {

// Strings bare, everything else (numbers, null, objects) as compact JSON.
std::string JsonText(const rapidjson::Value& value);
// JsonText of `object[name]`; "" when `object` is not an object or has no such member.
std::string MemberText(const rapidjson::Value& object, const char* name);
// Code points in UTF-8 `text`: its width in a terminal for the scripts the CLI shows.
std::size_t CodePoints(const std::string& text);

}  // namespace walcast::cli
