// Text views of an e-mail for the desk and the inbox UI.
//
// Thread-safety: pure functions, callable from any thread.
#pragma once

#include <string>
#include <string_view>

namespace leitplanke::channels::email {

// Plain text of an HTML part (UTF-8 in, UTF-8 out), for mails that carry no
// text/plain alternative. Drops <script>, <style>, <head> and comments; block
// elements (p, div, li, tr, h1-h6, blockquote, ...) and <br> become line
// breaks, list items start with "- ", runs of white space collapse (except in
// <pre>), and character references (named ones mail uses, decimal, hex) are
// decoded. Never fails: malformed markup degrades to its visible text.
std::string HtmlToText(std::string_view html);

// The new part of a reply for display: cuts the quoted history a mail client
// appends ("> " lines at the end, an "On ... wrote:" / "Am ... schrieb ...:"
// attribution line, "-----Original Message-----" / "-----Ursprüngliche
// Nachricht-----" blocks, Outlook's "From: ... Sent: ..." header block) and
// trailing blank lines. Returns the text unchanged when nothing is found or
// when cutting would leave nothing. The desk keeps the full text; this is a
// display helper only.
std::string StripQuotedReply(std::string_view text);

}  // namespace leitplanke::channels::email
