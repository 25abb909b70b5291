#include "model/packed_labels.h"

#include <cstring>

#include "model/bytes.h"

namespace accumulator::model {
namespace {

std::size_t VarintSize(std::size_t n) {
  std::size_t size = 1;
  while (n >= 0x80) {
    n >>= 7;
    ++size;
  }
  return size;
}

unsigned char* PutVarint(std::size_t n, unsigned char* out) {
  while (n >= 0x80) {
    *out++ = static_cast<unsigned char>(n | 0x80);
    n >>= 7;
  }
  *out++ = static_cast<unsigned char>(n);
  return out;
}

// Only reads what PutVarint wrote, so it needs no bounds.
const unsigned char* GetVarint(const unsigned char* in, std::size_t& n) {
  n = 0;
  for (int shift = 0;; shift += 7) {
    const unsigned char byte = *in++;
    n |= static_cast<std::size_t>(byte & 0x7f) << shift;
    if ((byte & 0x80) == 0) return in;
  }
}

const unsigned char* GetString(const unsigned char* in, std::string_view& s) {
  std::size_t len = 0;
  in = GetVarint(in, len);
  s = std::string_view(reinterpret_cast<const char*>(in), len);
  return in + len;
}

// Walks a packed set label by label.
class Reader {
 public:
  explicit Reader(const unsigned char* bytes) : in_(bytes) {
    if (in_ != nullptr) in_ = GetVarint(in_, left_);
  }
  bool Next(LabelRef& label) {
    if (left_ == 0) return false;
    --left_;
    in_ = GetString(GetString(in_, label.name), label.value);
    return true;
  }

 private:
  const unsigned char* in_;
  std::size_t left_ = 0;
};

// Label by label, as std::vector<Label>'s operator<=> compares.
int CompareLabel(const LabelRef& a, std::string_view name, std::string_view value) {
  if (int c = CompareBytes(a.name, name); c != 0) return c;
  return CompareBytes(a.value, value);
}

}  // namespace

PackedLabels::PackedLabels(const Labels& labels) {
  if (labels.empty()) return;
  std::size_t size = VarintSize(labels.size());
  for (const Label& l : labels) {
    size += VarintSize(l.name.size()) + l.name.size() + VarintSize(l.value.size()) + l.value.size();
  }
  bytes_ = std::make_unique_for_overwrite<unsigned char[]>(size);
  unsigned char* out = PutVarint(labels.size(), bytes_.get());
  for (const Label& l : labels) {
    out = PutVarint(l.name.size(), out);
    // Length-prefixed bytes, not C strings.
    // NOLINTNEXTLINE(bugprone-not-null-terminated-result)
    std::memcpy(out, l.name.data(), l.name.size());
    out += l.name.size();
    out = PutVarint(l.value.size(), out);
    // NOLINTNEXTLINE(bugprone-not-null-terminated-result)
    std::memcpy(out, l.value.data(), l.value.size());
    out += l.value.size();
  }
}

PackedLabels::PackedLabels(const PackedLabels& other) {
  if (other.bytes_ == nullptr) return;
  const std::size_t size = other.ByteSize();
  bytes_ = std::make_unique_for_overwrite<unsigned char[]>(size);
  std::memcpy(bytes_.get(), other.bytes_.get(), size);
}

PackedLabels& PackedLabels::operator=(const PackedLabels& other) {
  if (this != &other) *this = PackedLabels(other);
  return *this;
}

std::size_t PackedLabels::ByteSize() const {
  if (bytes_ == nullptr) return 0;
  Reader reader(bytes_.get());
  LabelRef l;
  while (reader.Next(l)) {
  }
  return static_cast<std::size_t>(l.value.data() + l.value.size() -
                                  reinterpret_cast<const char*>(bytes_.get()));
}

Labels PackedLabels::Unpack() const {
  Labels out;
  out.reserve(size());
  Reader reader(bytes_.get());
  LabelRef l;
  while (reader.Next(l)) out.push_back(Label{std::string(l.name), std::string(l.value)});
  return out;
}

void PackedLabels::Refs(std::vector<LabelRef>& out) const {
  out.clear();
  Reader reader(bytes_.get());
  LabelRef l;
  while (reader.Next(l)) out.push_back(l);
}

std::size_t PackedLabels::size() const {
  std::size_t n = 0;
  if (bytes_ != nullptr) GetVarint(bytes_.get(), n);
  return n;
}

int PackedLabels::Compare(const PackedLabels& other) const {
  Reader a(bytes_.get());
  Reader b(other.bytes_.get());
  LabelRef la;
  LabelRef lb;
  while (true) {
    const bool has_a = a.Next(la);
    const bool has_b = b.Next(lb);
    if (!has_a || !has_b) return static_cast<int>(has_a) - static_cast<int>(has_b);
    if (int c = CompareLabel(la, lb.name, lb.value); c != 0) return c;
  }
}

int PackedLabels::Compare(const Labels& other) const {
  Reader a(bytes_.get());
  LabelRef la;
  for (const Label& lb : other) {
    if (!a.Next(la)) return -1;
    if (int c = CompareLabel(la, lb.name, lb.value); c != 0) return c;
  }
  return a.Next(la) ? 1 : 0;
}

bool PackedLabels::Equals(const Labels& other) const {
  Reader a(bytes_.get());
  LabelRef la;
  for (const Label& lb : other) {
    if (!a.Next(la) || !SameBytes(la.name, lb.name) || !SameBytes(la.value, lb.value)) {
      return false;
    }
  }
  return !a.Next(la);
}

void RefsOf(const Labels& labels, std::vector<LabelRef>& out) {
  out.clear();
  out.reserve(labels.size());
  for (const Label& l : labels) out.push_back(LabelRef{l.name, l.value});
}

}  // namespace accumulator::model
