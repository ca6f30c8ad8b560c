// Labelled JSONL for training and evaluating the offensive classifier.
#include "eval/labelled_jsonl.h"

#include <optional>

#include <nlohmann/json.hpp>

#include "eval/jsonl.h"

namespace leitplanke::eval {

namespace off = guard::detectors::offensive;

namespace {

std::optional<int> LabelFromString(std::string s) {
  for (char& c : s) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  if (s == "offense" || s == "off" || s == "offensive" || s == "toxic" || s == "1" || s == "true" ||
      s == "abuse" || s == "insult" || s == "profanity" || s == "hate" || s == "hate_speech" ||
      s == "offensive_language") {
    return 1;
  }
  if (s == "other" || s == "not" || s == "neither" || s == "none" || s == "0" || s == "false" ||
      s == "neutral" || s == "ok") {
    return 0;
  }
  return std::nullopt;
}

std::optional<int> LabelFromJson(const nlohmann::json& v) {
  if (v.is_boolean()) return v.get<bool>() ? 1 : 0;
  if (v.is_number_integer()) {
    int64_t i = v.get<int64_t>();
    if (i == 0 || i == 1) return static_cast<int>(i);
    return std::nullopt;
  }
  if (v.is_string()) return LabelFromString(v.get<std::string>());
  return std::nullopt;
}

}  // namespace

Result<std::vector<off::Example>> LoadLabelledJsonl(const std::string& path) {
  std::vector<off::Example> out;
  Status s = ForEachJsonLine(path, [&out](const nlohmann::json& j, size_t) -> Status {
    auto t = j.find("text");
    if (t == j.end() || !t->is_string()) {
      return Status::InvalidArgument("missing string field \"text\"");
    }
    std::optional<int> label;
    for (const char* key : {"label", "label_coarse", "class_name"}) {
      auto it = j.find(key);
      if (it != j.end()) {
        label = LabelFromJson(*it);
        if (!label) {
          return Status::InvalidArgument("unrecognised value of \"" + std::string(key) +
                                         "\": " + it->dump());
        }
        break;
      }
    }
    if (!label) {
      return Status::InvalidArgument(
          "no label (expected \"label\", \"label_coarse\" or \"class_name\")");
    }
    off::Example ex;
    ex.text = t->get<std::string>();
    ex.label = *label;
    auto lang = j.find("lang");
    if (lang != j.end() && lang->is_string() && lang->get<std::string>() == "de") {
      ex.lang = off::TextLang::kDe;
    } else if (lang != j.end() && lang->is_string() && lang->get<std::string>() == "en") {
      ex.lang = off::TextLang::kEn;
    } else {
      off::TokenBuffer tb;
      off::Tokenize(ex.text, &tb);
      ex.lang = off::GuessLang(tb);
    }
    out.push_back(std::move(ex));
    return Status::Ok();
  });
  if (!s.ok()) return s;
  if (out.empty()) return Status::InvalidArgument(path + ": no examples");
  return out;
}

}  // namespace leitplanke::eval
