#include "persist/codec.h"

#include <algorithm>
#include <limits>

#include "model/names.h"
#include "persist.pb.h"
#include "persist/framing.h"

namespace accumulator::persist {
namespace {

namespace pb = accumulator::persist::pb;
using model::MetricType;

// Records written before answers were kept whole have a status only, whose body was empty.
template <typename Message>
store::RememberedAnswer AnswerOf(const Message& m) {
  return {m.answer(),
          m.answer_content_type().empty() ? "text/plain; charset=utf-8" : m.answer_content_type(),
          m.answer_body()};
}

// TTLs come from the configuration, which allows at most a century.
constexpr std::int64_t kMaxTtlSeconds = 100LL * 365 * 86400;

// A snapshot entry holds at most this many series, so no frame grows without bound.
constexpr std::size_t kSeriesPerEntry = 1000;

std::int64_t ToNanos(TimePoint t) {
  return std::chrono::duration_cast<std::chrono::nanoseconds>(t.time_since_epoch()).count();
}

TimePoint FromNanos(std::int64_t nanos) {
  return TimePoint(
      std::chrono::duration_cast<TimePoint::duration>(std::chrono::nanoseconds(nanos)));
}

// Times are kept between 1970 and 2096, so differences between them and TTLs never
// overflow the store's nanosecond arithmetic.
constexpr std::int64_t kMaxUnixNanos = 4'000'000'000'000'000'000;

bool TimeInRange(std::int64_t nanos) { return nanos >= 0 && nanos <= kMaxUnixNanos; }

pb::MetricType ToProto(MetricType type) {
  switch (type) {
    case MetricType::kCounter:
      return pb::COUNTER;
    case MetricType::kGauge:
      return pb::GAUGE;
    case MetricType::kHistogram:
      return pb::HISTOGRAM;
    case MetricType::kSummary:
      return pb::SUMMARY;
    case MetricType::kUntyped:
      return pb::UNTYPED;
    case MetricType::kInfo:
      return pb::INFO;
    case MetricType::kStateset:
      return pb::STATESET;
  }
  return pb::METRIC_TYPE_UNSPECIFIED;
}

Result<MetricType> FromProto(pb::MetricType type) {
  switch (type) {
    case pb::COUNTER:
      return MetricType::kCounter;
    case pb::GAUGE:
      return MetricType::kGauge;
    case pb::HISTOGRAM:
      return MetricType::kHistogram;
    case pb::SUMMARY:
      return MetricType::kSummary;
    case pb::UNTYPED:
      return MetricType::kUntyped;
    case pb::INFO:
      return MetricType::kInfo;
    case pb::STATESET:
      return MetricType::kStateset;
    default:
      return Status::InvalidArgument("unknown metric type " + std::to_string(type));
  }
}

void ToProto(const model::Labels& labels, google::protobuf::RepeatedPtrField<pb::Label>& out) {
  out.Reserve(static_cast<int>(labels.size()));
  for (const model::Label& label : labels) {
    pb::Label* l = out.Add();
    l->set_name(label.name);
    l->set_value(label.value);
  }
}

// Identity labels must come back canonical: sorted, unique, valid names.
Result<model::Labels> FromProto(const google::protobuf::RepeatedPtrField<pb::Label>& in) {
  model::Labels labels;
  labels.reserve(static_cast<std::size_t>(in.size()));
  for (const pb::Label& l : in) {
    if (!model::IsValidLabelName(l.name())) {
      return Status::InvalidArgument("invalid label name \"" + l.name() + "\"");
    }
    if (!model::IsValidUtf8(l.value())) return Status::InvalidArgument("label value not UTF-8");
    labels.push_back({l.name(), l.value()});
  }
  if (!model::Canonicalize(labels)) return Status::InvalidArgument("a label name repeats");
  return labels;
}

void ToProto(const model::Value& value, pb::Value& out) {
  if (const auto* scalar = std::get_if<model::ScalarValue>(&value)) {
    out.set_scalar(scalar->value);
  } else if (const auto* h = std::get_if<model::HistogramValue>(&value)) {
    pb::Histogram* p = out.mutable_histogram();
    p->mutable_upper_bounds()->Add(h->upper_bounds.begin(), h->upper_bounds.end());
    p->mutable_bucket_counts()->Add(h->bucket_counts.begin(), h->bucket_counts.end());
    p->set_sum(h->sum);
    p->set_count(h->count);
  } else if (const auto* s = std::get_if<model::SummaryValue>(&value)) {
    pb::Summary* p = out.mutable_summary();
    for (const model::Quantile& q : s->quantiles) {
      pb::Quantile* pq = p->add_quantiles();
      pq->set_quantile(q.quantile);
      pq->set_value(q.value);
    }
    p->set_sum(s->sum);
    p->set_count(s->count);
  }
}

Result<model::Value> FromProto(const pb::Value& in, MetricType type) {
  model::Value value;
  switch (in.kind_case()) {
    case pb::Value::kScalar:
      value = model::ScalarValue{in.scalar()};
      break;
    case pb::Value::kHistogram: {
      const pb::Histogram& p = in.histogram();
      if (p.upper_bounds_size() != p.bucket_counts_size() || p.upper_bounds_size() == 0) {
        return Status::InvalidArgument("histogram bounds and counts disagree");
      }
      model::HistogramValue h;
      h.upper_bounds.assign(p.upper_bounds().begin(), p.upper_bounds().end());
      h.bucket_counts.assign(p.bucket_counts().begin(), p.bucket_counts().end());
      if (!std::is_sorted(h.upper_bounds.begin(), h.upper_bounds.end()) ||
          h.upper_bounds.back() != std::numeric_limits<double>::infinity()) {
        return Status::InvalidArgument("histogram bounds not ascending to +Inf");
      }
      h.sum = p.sum();
      h.count = p.count();
      value = std::move(h);
      break;
    }
    case pb::Value::kSummary: {
      const pb::Summary& p = in.summary();
      model::SummaryValue s;
      for (const pb::Quantile& q : p.quantiles()) s.quantiles.push_back({q.quantile(), q.value()});
      s.sum = p.sum();
      s.count = p.count();
      value = std::move(s);
      break;
    }
    default:
      return Status::InvalidArgument("series without a value");
  }
  if (!model::ValueMatchesType(value, type)) {
    return Status::InvalidArgument("value does not fit type " + std::string(TypeName(type)));
  }
  return value;
}

std::string Serialize(const google::protobuf::MessageLite& message) {
  std::string out;
  message.SerializeToString(&out);
  return out;
}

pb::Record RecordHeader(std::string_view group, TimePoint at) {
  pb::Record record;
  record.set_group(std::string(group));
  record.set_unix_nanos(ToNanos(at));
  return record;
}

}  // namespace

std::string EncodePushRecord(std::string_view group, std::chrono::seconds ttl, TimePoint at,
                             const model::Push& push, const store::PushTag& tag) {
  pb::Record record = RecordHeader(group, at);
  pb::PushRecord* p = record.mutable_push();
  p->set_ttl_seconds(ttl.count());
  for (const model::Family& family : push.families) {
    pb::PushedFamily* f = p->add_families();
    f->set_name(family.name);
    f->set_type(ToProto(family.type));
    f->set_help(family.help);
    for (const model::Series& series : family.series) {
      pb::PushedSeries* s = f->add_series();
      ToProto(series.labels, *s->mutable_labels());
      ToProto(series.value, *s->mutable_value());
      ToProto(series.metadata, *s->mutable_metadata());
    }
  }
  if (!tag.idempotency_key.empty()) {
    p->set_idempotency_key(std::string(tag.idempotency_key));
    p->set_answer(tag.answer.status);
    p->set_answer_content_type(tag.answer.content_type);
    p->set_answer_body(tag.answer.body);
    p->set_idempotency_expires_unix_nanos(ToNanos(tag.expires));
  }
  return Serialize(record);
}

std::string EncodeResetRecord(std::string_view group, TimePoint at) {
  pb::Record record = RecordHeader(group, at);
  record.mutable_reset();
  return Serialize(record);
}

std::string EncodeDeleteRecord(std::string_view group, TimePoint at,
                               const std::vector<store::SeriesRef>& series) {
  pb::Record record = RecordHeader(group, at);
  pb::DeleteRecord* d = record.mutable_delete_();
  for (const store::SeriesRef& ref : series) {
    pb::SeriesRef* r = d->add_series();
    r->set_family(ref.family);
    ToProto(ref.labels, *r->mutable_labels());
  }
  return Serialize(record);
}

std::string EncodeDropRecord(std::string_view group, TimePoint at) {
  pb::Record record = RecordHeader(group, at);
  record.mutable_drop();
  return Serialize(record);
}

Result<DecodedRecord> DecodeRecord(std::string_view payload) {
  pb::Record record;
  if (!record.ParseFromArray(payload.data(), static_cast<int>(payload.size()))) {
    return Status::InvalidArgument("record does not parse");
  }
  DecodedRecord out;
  out.group = record.group();
  if (out.group.empty()) return Status::InvalidArgument("record without a metric group");
  if (!TimeInRange(record.unix_nanos())) return Status::InvalidArgument("time out of range");
  out.at = FromNanos(record.unix_nanos());
  switch (record.change_case()) {
    case pb::Record::kPush: {
      out.kind = DecodedRecord::Kind::kPush;
      const pb::PushRecord& p = record.push();
      // The store's clock arithmetic is in nanoseconds; no configured TTL comes close.
      if (p.ttl_seconds() < 0 || p.ttl_seconds() > kMaxTtlSeconds) {
        return Status::InvalidArgument("TTL out of range");
      }
      out.ttl = std::chrono::seconds(p.ttl_seconds());
      for (const pb::PushedFamily& f : p.families()) {
        model::Family family;
        family.name = f.name();
        if (!model::IsValidMetricName(family.name)) {
          return Status::InvalidArgument("invalid metric name \"" + family.name + "\"");
        }
        auto type = FromProto(f.type());
        if (!type.ok()) return type.status();
        family.type = *type;
        family.help = f.help();
        for (const pb::PushedSeries& s : f.series()) {
          auto labels = FromProto(s.labels());
          if (!labels.ok()) return labels.status();
          auto value = FromProto(s.value(), family.type);
          if (!value.ok()) return value.status();
          auto metadata = FromProto(s.metadata());
          if (!metadata.ok()) return metadata.status();
          family.series.push_back({std::move(*labels), std::move(*value), std::move(*metadata)});
        }
        out.push.families.push_back(std::move(family));
      }
      if (!TimeInRange(p.idempotency_expires_unix_nanos())) {
        return Status::InvalidArgument("time out of range");
      }
      out.idempotency_key = p.idempotency_key();
      out.answer = AnswerOf(p);
      out.idempotency_expires = FromNanos(p.idempotency_expires_unix_nanos());
      break;
    }
    case pb::Record::kReset:
      out.kind = DecodedRecord::Kind::kReset;
      break;
    case pb::Record::kDelete:
      out.kind = DecodedRecord::Kind::kDelete;
      for (const pb::SeriesRef& r : record.delete_().series()) {
        auto labels = FromProto(r.labels());
        if (!labels.ok()) return labels.status();
        out.deleted.push_back({r.family(), std::move(*labels)});
      }
      break;
    case pb::Record::kDrop:
      out.kind = DecodedRecord::Kind::kDrop;
      break;
    default:
      return Status::InvalidArgument("record of unknown kind");
  }
  return out;
}

std::string EncodeSnapshot(const store::StoreImage& image, std::uint64_t first_sequence_after,
                           TimePoint taken, std::string_view server_version) {
  std::string out(kSnapshotMagic);
  pb::SnapshotHeader header;
  header.set_first_sequence_after(first_sequence_after);
  header.set_taken_unix_nanos(ToNanos(taken));
  header.set_server_version(std::string(server_version));
  AppendFrame(Serialize(header), out);

  pb::SnapshotEntry entry;
  std::string buffer;
  const auto write_entry = [&] {
    buffer.clear();
    entry.SerializeToString(&buffer);
    AppendFrame(buffer, out);
    entry.Clear();
  };
  std::uint64_t series_count = 0;
  for (const store::GroupImage& group : image.groups) {
    pb::GroupHeader* g = entry.mutable_group();
    g->set_name(group.name);
    g->set_ttl_seconds(group.ttl.count());
    g->set_last_push_unix_nanos(ToNanos(group.last_push));
    g->set_expired_series(group.expired_series);
    g->set_resets(group.resets);
    write_entry();
    for (const store::FamilyImage& family : group.families) {
      for (std::size_t begin = 0; begin < family.series.size() || begin == 0;
           begin += kSeriesPerEntry) {
        pb::StoredFamily* f = entry.mutable_family();
        f->set_name(family.name);
        f->set_type(ToProto(family.type));
        f->set_help(family.help);
        const std::size_t end = std::min(family.series.size(), begin + kSeriesPerEntry);
        for (std::size_t i = begin; i < end; ++i) {
          const store::SeriesImage& series = family.series[i];
          pb::StoredSeries* s = f->add_series();
          ToProto(series.labels, *s->mutable_labels());
          ToProto(series.value.value, *s->mutable_value());
          if (series.value.latest) {
            s->set_has_latest(true);
            s->set_latest(*series.value.latest);
          }
          s->set_last_push_unix_nanos(ToNanos(series.last_push));
          for (const store::WriterImage& writer : series.writers) {
            pb::Writer* w = s->add_writers();
            w->set_id(writer.writer);
            ToProto(writer.last, *w->mutable_last());
            w->set_last_push_unix_nanos(ToNanos(writer.last_push));
          }
          ++series_count;
        }
        write_entry();
        if (family.series.empty()) break;
      }
    }
  }
  for (const store::IdempotencyImage& key : image.idempotency) {
    pb::IdempotencyEntry* e = entry.mutable_idempotency();
    e->set_group(key.group);
    e->set_key(key.key);
    e->set_answer(key.answer.status);
    e->set_answer_content_type(key.answer.content_type);
    e->set_answer_body(key.answer.body);
    e->set_expires_unix_nanos(ToNanos(key.expires));
    write_entry();
  }
  pb::SnapshotFooter* footer = entry.mutable_footer();
  footer->set_groups(image.groups.size());
  footer->set_series(series_count);
  footer->set_idempotency_keys(image.idempotency.size());
  write_entry();
  return out;
}

Result<DecodedSnapshot> DecodeSnapshot(std::string_view file) {
  if (!file.starts_with(kSnapshotMagic)) {
    return Status::InvalidArgument("not a snapshot of this format (bad magic)");
  }
  FrameReader reader(file.substr(kSnapshotMagic.size()));
  std::string_view payload;
  if (reader.Next(payload) != FrameReader::Outcome::kFrame) {
    return Status::InvalidArgument("snapshot header damaged");
  }
  pb::SnapshotHeader header;
  if (!header.ParseFromArray(payload.data(), static_cast<int>(payload.size()))) {
    return Status::InvalidArgument("snapshot header does not parse");
  }
  DecodedSnapshot out;
  out.first_sequence_after = header.first_sequence_after();
  out.taken = FromNanos(header.taken_unix_nanos());

  store::GroupImage* group = nullptr;
  pb::SnapshotEntry entry;
  while (true) {
    const FrameReader::Outcome outcome = reader.Next(payload);
    if (outcome != FrameReader::Outcome::kFrame) {
      return Status::InvalidArgument(
          outcome == FrameReader::Outcome::kCorrupt
              ? "snapshot entry damaged at byte " +
                    std::to_string(kSnapshotMagic.size() + reader.good_bytes())
              : "snapshot ends before its footer");
    }
    if (!entry.ParseFromArray(payload.data(), static_cast<int>(payload.size()))) {
      return Status::InvalidArgument("snapshot entry does not parse");
    }
    switch (entry.entry_case()) {
      case pb::SnapshotEntry::kGroup: {
        const pb::GroupHeader& g = entry.group();
        group = &out.image.groups.emplace_back();
        group->name = g.name();
        if (group->name.empty()) return Status::InvalidArgument("snapshot group without a name");
        if (g.ttl_seconds() < 0 || g.ttl_seconds() > kMaxTtlSeconds) {
          return Status::InvalidArgument("snapshot group TTL out of range");
        }
        group->ttl = std::chrono::seconds(g.ttl_seconds());
        if (!TimeInRange(g.last_push_unix_nanos())) {
          return Status::InvalidArgument("snapshot time out of range");
        }
        group->last_push = FromNanos(g.last_push_unix_nanos());
        group->expired_series = g.expired_series();
        group->resets = g.resets();
        break;
      }
      case pb::SnapshotEntry::kFamily: {
        if (group == nullptr) return Status::InvalidArgument("snapshot family before any group");
        const pb::StoredFamily& f = entry.family();
        auto type = FromProto(f.type());
        if (!type.ok()) return type.status();
        if (!model::IsValidMetricName(f.name())) {
          return Status::InvalidArgument("invalid metric name in snapshot");
        }
        if (group->families.empty() || group->families.back().name != f.name()) {
          store::FamilyImage& family = group->families.emplace_back();
          family.name = f.name();
          family.type = *type;
          family.help = f.help();
        }
        store::FamilyImage& family = group->families.back();
        if (family.type != *type) return Status::InvalidArgument("snapshot family type changes");
        for (const pb::StoredSeries& s : f.series()) {
          store::SeriesImage& series = family.series.emplace_back();
          auto labels = FromProto(s.labels());
          if (!labels.ok()) return labels.status();
          series.labels = std::move(*labels);
          auto value = FromProto(s.value(), family.type);
          if (!value.ok()) return value.status();
          series.value.value = std::move(*value);
          if (s.has_latest()) series.value.latest = s.latest();
          if (!TimeInRange(s.last_push_unix_nanos())) {
            return Status::InvalidArgument("snapshot time out of range");
          }
          series.last_push = FromNanos(s.last_push_unix_nanos());
          for (const pb::Writer& w : s.writers()) {
            if (!TimeInRange(w.last_push_unix_nanos())) {
              return Status::InvalidArgument("snapshot time out of range");
            }
            auto last = FromProto(w.last(), family.type);
            if (!last.ok()) return last.status();
            series.writers.push_back(
                {w.id(), std::move(*last), FromNanos(w.last_push_unix_nanos())});
          }
          ++out.series;
        }
        break;
      }
      case pb::SnapshotEntry::kIdempotency: {
        const pb::IdempotencyEntry& e = entry.idempotency();
        if (!TimeInRange(e.expires_unix_nanos())) {
          return Status::InvalidArgument("snapshot time out of range");
        }
        out.image.idempotency.push_back(
            {e.group(), e.key(), AnswerOf(e), FromNanos(e.expires_unix_nanos())});
        break;
      }
      case pb::SnapshotEntry::kFooter: {
        const pb::SnapshotFooter& footer = entry.footer();
        if (footer.groups() != out.image.groups.size() || footer.series() != out.series ||
            footer.idempotency_keys() != out.image.idempotency.size()) {
          return Status::InvalidArgument("snapshot footer counts disagree with its entries");
        }
        if (reader.Next(payload) != FrameReader::Outcome::kEnd) {
          return Status::InvalidArgument("snapshot has data after its footer");
        }
        return out;
      }
      default:
        return Status::InvalidArgument("snapshot entry of unknown kind");
    }
  }
}

}  // namespace accumulator::persist
