#include "report.hpp"

#include <ostream>

namespace mt5b::conformance::broker {

namespace {
// TAP puts a directive after '#': keep the reason on one line.
std::string one_line(std::string text) {
  for (auto& c : text)
    if (c == '\n' || c == '\r') c = ' ';
  return text;
}
}  // namespace

void Report::line(const std::string& text) {
  out_ << text << std::endl;
}

void Report::pass(const std::string& check, const std::string& subject) {
  std::lock_guard lock(mu_);
  ++passed_;
  line("ok " + std::to_string(++number_) + " - " + check + ": " + subject);
}

void Report::fail(const std::string& check, const std::string& subject, const std::string& why) {
  std::lock_guard lock(mu_);
  ++failed_;
  line("not ok " + std::to_string(++number_) + " - " + check + ": " + subject + " # " +
       one_line(why));
}

void Report::skip(const std::string& check, const std::string& subject, const std::string& why) {
  std::lock_guard lock(mu_);
  ++skips_;
  line("ok " + std::to_string(++number_) + " - " + check + ": " + subject + " # SKIP " +
       one_line(why));
}

void Report::expect(const std::string& check, const std::string& subject, const std::string& why) {
  if (why.empty())
    pass(check, subject);
  else
    fail(check, subject, why);
}

int Report::finish() {
  std::lock_guard lock(mu_);
  line("1.." + std::to_string(number_));
  line("# " + std::to_string(passed_) + " passed, " + std::to_string(failed_) + " failed, " +
       std::to_string(skips_) + " skipped");
  return failed_ == 0 ? 0 : 1;
}

}  // namespace mt5b::conformance::broker
