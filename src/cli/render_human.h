// Human-readable verdicts for terminals: the text with every finding's span
// underlined in colour (or marked with ⟦ ⟧ without colour), then one block
// per finding with rule, clause, message and fix.
#pragma once

#include <ostream>
#include <string>
#include <string_view>

#include "leitplanke/guard/types.h"

namespace leitplanke::cli {

struct RenderOptions {
  bool color = false;
  std::string label;  // e.g. the JSONL id or file name; empty = none
};

void RenderHuman(std::string_view text, const guard::Verdict& v, const RenderOptions& o,
                 std::ostream& out);

// True when `stream_fd` is a terminal and NO_COLOR is unset.
bool WantColor(int stream_fd);

}  // namespace leitplanke::cli
