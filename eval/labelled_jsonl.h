// Reads labelled JSONL for `leitplanke train offensive` and the offensive
// evaluation: one object per line with "text" and a label in "label",
// "label_coarse" or "class_name" (OFFENSE/OTHER, 1/0, true/false, ...), and
// an optional "lang" ("de"/"en"; guessed otherwise). JSON stays out of the
// guard: the engine's training code takes the parsed examples.
#pragma once

#include <string>
#include <vector>

#include "leitplanke/base/result.h"

#include "guard/detectors/offensive/train.h"

namespace leitplanke::eval {

// Errors name the file and line of the first bad record; an empty file is an
// error too.
Result<std::vector<guard::detectors::offensive::Example>> LoadLabelledJsonl(
    const std::string& path);

}  // namespace leitplanke::eval
