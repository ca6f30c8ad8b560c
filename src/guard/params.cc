#include <algorithm>

#include "leitplanke/guard/detector.h"

namespace leitplanke::guard {

namespace {
const char* TypeName(const DetectorParams::Value& v) {
  switch (v.index()) {
    case 0:
      return "a boolean";
    case 1:
      return "an integer";
    case 2:
      return "a number";
    case 3:
      return "a string";
    default:
      return "a list of strings";
  }
}

Status WrongType(std::string_view key, const DetectorParams::Value& v, const char* want) {
  return Status::InvalidArgument("parameter '" + std::string(key) + "' must be " + want + ", not " +
                                 TypeName(v));
}
}  // namespace

Result<std::string> DetectorParams::GetString(std::string_view key, std::string_view def) const {
  auto it = values_.find(std::string(key));
  if (it == values_.end()) return std::string(def);
  if (const auto* s = std::get_if<std::string>(&it->second)) return *s;
  return WrongType(key, it->second, "a string");
}

Result<std::vector<std::string>> DetectorParams::GetStrings(std::string_view key) const {
  auto it = values_.find(std::string(key));
  if (it == values_.end()) return std::vector<std::string>{};
  if (const auto* v = std::get_if<std::vector<std::string>>(&it->second)) return *v;
  if (const auto* s = std::get_if<std::string>(&it->second)) return std::vector<std::string>{*s};
  return WrongType(key, it->second, "a list of strings");
}

Result<int64_t> DetectorParams::GetInt(std::string_view key, int64_t def) const {
  auto it = values_.find(std::string(key));
  if (it == values_.end()) return def;
  if (const auto* i = std::get_if<int64_t>(&it->second)) return *i;
  return WrongType(key, it->second, "an integer");
}

Result<double> DetectorParams::GetDouble(std::string_view key, double def) const {
  auto it = values_.find(std::string(key));
  if (it == values_.end()) return def;
  if (const auto* d = std::get_if<double>(&it->second)) return *d;
  if (const auto* i = std::get_if<int64_t>(&it->second)) return static_cast<double>(*i);
  return WrongType(key, it->second, "a number");
}

Result<bool> DetectorParams::GetBool(std::string_view key, bool def) const {
  auto it = values_.find(std::string(key));
  if (it == values_.end()) return def;
  if (const auto* b = std::get_if<bool>(&it->second)) return *b;
  return WrongType(key, it->second, "a boolean");
}

Status DetectorParams::CheckKnown(std::initializer_list<std::string_view> known) const {
  for (const auto& [key, value] : values_) {
    if (std::find(known.begin(), known.end(), key) == known.end()) {
      std::string list;
      for (auto k : known) {
        if (!list.empty()) list += ", ";
        list += k;
      }
      return Status::InvalidArgument("unknown parameter '" + key + "' (known: " + list + ")");
    }
  }
  return Status::Ok();
}

}  // namespace leitplanke::guard
