// Pins the memory layout of every ABI struct against tests/unit/abi_layout.baseline, so a layout
// change cannot slip in without an ABI version bump (STYLE.md: "The ABI is the product's spine").
//
// To accept an intended change: bump MT5B_ABI_VERSION_MINOR (fields appended) or _MAJOR (anything
// else) in abi.h, then run this test once with MT5BRIDGE_UPDATE_ABI_BASELINE=1. The update refuses
// to write while the version is unchanged, and refuses a minor bump that moved existing fields.
#include "abi_layout_fields.hpp"

#include <mt5bridge/abi.h>

#include <gtest/gtest.h>

#include <algorithm>
#include <cctype>
#include <cstddef>
#include <cstdlib>
#include <fstream>
#include <set>
#include <sstream>
#include <string>
#include <utility>
#include <vector>

namespace {

const std::string kBaselinePath = MT5BRIDGE_SOURCE_DIR "/tests/unit/abi_layout.baseline";
const std::string kHeaderPath = MT5BRIDGE_SOURCE_DIR "/sdk/include/mt5bridge/abi.h";

std::string header_version() {
  return std::to_string(MT5B_ABI_VERSION_MAJOR) + "." + std::to_string(MT5B_ABI_VERSION_MINOR);
}

// `struct.field offset` per field and `struct sizeof N` per struct, as this build lays them out.
std::vector<std::string> compiled_layout() {
  std::vector<std::string> lines;
#define LAYOUT_FIELD_LINE(S, field) \
  lines.push_back(#S "." #field " " + std::to_string(offsetof(S, field)));
#define LAYOUT_STRUCT_LINES(S) \
  FIELDS_##S(LAYOUT_FIELD_LINE, S) lines.push_back(#S " sizeof " + std::to_string(sizeof(S)));
  ABI_STRUCTS(LAYOUT_STRUCT_LINES)
#undef LAYOUT_STRUCT_LINES
#undef LAYOUT_FIELD_LINE
  return lines;
}

using StructFields = std::vector<std::pair<std::string, std::vector<std::string>>>;

StructFields listed_structs() {
  StructFields out;
#define LIST_FIELD_NAME(S, field) fields.push_back(#field);
#define LIST_STRUCT(S)                                           \
  {                                                              \
    std::vector<std::string> fields;                             \
    FIELDS_##S(LIST_FIELD_NAME, S) out.emplace_back(#S, fields); \
  }
  ABI_STRUCTS(LIST_STRUCT)
#undef LIST_STRUCT
#undef LIST_FIELD_NAME
  return out;
}

std::string read_file(const std::string& path) {
  std::ifstream in(path);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

// The header without comments and preprocessor lines, so declarations can be split on ';'.
std::string header_declarations() {
  std::string text = read_file(kHeaderPath), out;
  for (size_t i = 0; i < text.size();) {
    if (text.compare(i, 2, "/*") == 0) {
      size_t end = text.find("*/", i + 2);
      i = end == std::string::npos ? text.size() : end + 2;
    } else if (text.compare(i, 2, "//") == 0) {
      i = text.find('\n', i);
    } else {
      out += text[i++];
    }
  }
  std::stringstream lines(out);
  std::string line, kept;
  while (std::getline(lines, line))
    if (line.find_first_not_of(" \t") == std::string::npos ||
        line[line.find_first_not_of(" \t")] != '#')
      kept += line + "\n";
  return kept;
}

std::string last_identifier(const std::string& declaration) {
  std::string ident, last;
  for (char c : declaration + " ") {
    if (std::isalnum(static_cast<unsigned char>(c)) || c == '_') {
      ident += c;
    } else if (!ident.empty()) {
      last = ident;
      ident.clear();
    }
  }
  return last;
}

// Every `typedef struct name { ... }` of abi.h with its field names, read from the text.
StructFields header_structs() {
  const std::string text = header_declarations();
  const std::string intro = "typedef struct ";
  StructFields out;
  for (size_t pos = text.find(intro); pos != std::string::npos; pos = text.find(intro, pos + 1)) {
    size_t name_start = pos + intro.size();
    size_t name_end = text.find_first_of(" {", name_start);
    size_t open = text.find_first_not_of(' ', name_end);
    if (open == std::string::npos || text[open] != '{') continue;  // an opaque handle
    size_t close = text.find('}', open);
    std::vector<std::string> fields;
    std::stringstream body(text.substr(open + 1, close - open - 1));
    std::string declaration;
    while (std::getline(body, declaration, ';')) {
      if (declaration.find_first_not_of(" \t\n") == std::string::npos) continue;
      size_t fn = declaration.find("(*");
      fields.push_back(fn == std::string::npos
                           ? last_identifier(declaration)
                           : last_identifier(declaration.substr(0, declaration.find(')', fn))));
    }
    out.emplace_back(text.substr(name_start, name_end - name_start), fields);
  }
  return out;
}

struct Baseline {
  std::string version;  // "1.0" from the `abi_version` line
  std::vector<std::string> layout;
};

Baseline read_baseline() {
  Baseline b;
  std::ifstream in(kBaselinePath);
  std::string line;
  while (std::getline(in, line)) {
    if (line.empty() || line[0] == '#') continue;
    if (line.rfind("abi_version ", 0) == 0)
      b.version = line.substr(12);
    else
      b.layout.push_back(line);
  }
  return b;
}

std::vector<std::string> missing_from(const std::vector<std::string>& lines,
                                      const std::vector<std::string>& reference) {
  std::set<std::string> have(lines.begin(), lines.end());
  std::vector<std::string> out;
  for (const auto& l : reference)
    if (!have.count(l)) out.push_back(l);
  return out;
}

void write_baseline(const std::vector<std::string>& layout) {
  std::ofstream out(kBaselinePath);
  out << "# Layout of every struct in sdk/include/mt5bridge/abi.h on 64-bit Linux (LP64).\n"
      << "# Checked by tests/unit/abi_layout_test.cpp; regenerate only after an ABI version bump.\n"
      << "abi_version " << header_version() << "\n";
  for (const auto& l : layout) out << l << "\n";
}

// MT5BRIDGE_UPDATE_ABI_BASELINE=1: rewrites the baseline when the rules for a change hold.
void update_baseline(const Baseline& baseline, const std::vector<std::string>& actual) {
  if (baseline.version == header_version() && baseline.layout != actual)
    FAIL() << "refusing to update the ABI baseline: the layout changed but the ABI version is "
              "still "
           << header_version() << "; bump MT5B_ABI_VERSION_MINOR (appended fields) or _MAJOR";
  bool same_major = baseline.version.substr(0, baseline.version.find('.')) ==
                    std::to_string(MT5B_ABI_VERSION_MAJOR);
  std::vector<std::string> moved;
  for (const auto& l : missing_from(actual, baseline.layout))
    if (l.find(" sizeof ") == std::string::npos) moved.push_back(l);
  if (same_major && !moved.empty())
    FAIL() << "refusing to update the ABI baseline: a minor bump may only append fields, but "
           << moved.size() << " existing field(s) moved or vanished (first: '" << moved.front()
           << "'); bump MT5B_ABI_VERSION_MAJOR instead";
  write_baseline(actual);
}

class AbiLayout : public ::testing::Test {
 protected:
  void SetUp() override {
    if (sizeof(void*) != 8 || sizeof(long) != 8)
      GTEST_SKIP() << "the committed baseline records the LP64 layout (64-bit Linux)";
  }
};

TEST_F(AbiLayout, every_struct_and_field_matches_the_committed_baseline) {
  const Baseline baseline = read_baseline();
  const std::vector<std::string> actual = compiled_layout();
  if (std::getenv("MT5BRIDGE_UPDATE_ABI_BASELINE")) return update_baseline(baseline, actual);
  ASSERT_FALSE(baseline.layout.empty()) << "cannot read " << kBaselinePath;

  std::vector<std::string> removed = missing_from(actual, baseline.layout);
  std::vector<std::string> added = missing_from(baseline.layout, actual);
  std::ostringstream diff;
  for (const auto& l : removed) diff << "\n  baseline: " << l;
  for (const auto& l : added) diff << "\n  compiled: " << l;
  EXPECT_TRUE(removed.empty() && added.empty())
      << "the ABI struct layout differs from " << kBaselinePath << " in these lines:" << diff.str()
      << "\nA layout change needs an ABI version bump in abi.h (fields appended at the end of a "
         "struct bump MT5B_ABI_VERSION_MINOR, anything else bumps MT5B_ABI_VERSION_MAJOR) and a "
         "baseline update: rerun this test with MT5BRIDGE_UPDATE_ABI_BASELINE=1.";
  if (removed.empty() && added.empty()) {
    EXPECT_EQ(actual, baseline.layout) << "the same lines appear in another order";
  }
}

TEST_F(AbiLayout, baseline_records_the_abi_version_of_the_header) {
  EXPECT_EQ(read_baseline().version, header_version())
      << "abi.h says ABI " << header_version() << " but " << kBaselinePath
      << " was recorded for another version; rerun this test with "
         "MT5BRIDGE_UPDATE_ABI_BASELINE=1 after checking the layout change matches the bump";
}

TEST(AbiLayoutFieldList, names_every_struct_and_field_of_abi_h_in_order) {
  const StructFields in_header = header_structs();
  const StructFields listed = listed_structs();
  ASSERT_GE(in_header.size(), 20u) << "could not read the structs of " << kHeaderPath;
  for (size_t i = 0; i < std::max(in_header.size(), listed.size()); ++i) {
    ASSERT_LT(i, listed.size()) << "abi.h declares struct '" << in_header[i].first
                                << "' which abi_layout_fields.hpp does not list; add it";
    ASSERT_LT(i, in_header.size())
        << "abi_layout_fields.hpp lists '" << listed[i].first << "' which abi.h does not declare";
    EXPECT_EQ(listed[i].first, in_header[i].first) << "struct #" << i << " differs";
    EXPECT_EQ(listed[i].second, in_header[i].second)
        << "the fields of " << in_header[i].first
        << " in abi_layout_fields.hpp differ from abi.h; list every field in declaration order";
  }
}

TEST(AbiLayoutFieldList, reads_function_pointer_slots_by_their_name) {
  const StructFields in_header = header_structs();
  auto descriptor = std::find_if(in_header.begin(), in_header.end(),
                                 [](const auto& s) { return s.first == "mt5b_plugin_descriptor"; });
  ASSERT_NE(descriptor, in_header.end());
  EXPECT_NE(std::find(descriptor->second.begin(), descriptor->second.end(), "on_create"),
            descriptor->second.end());
}

}  // namespace
