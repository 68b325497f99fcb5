#include "tools/shale/bench_report.h"

#include <rapidjson/stringbuffer.h>
#include <rapidjson/writer.h>

#include <cstdio>

namespace shale::cli {
namespace {

using JsonWriter = rapidjson::Writer<rapidjson::StringBuffer>;

std::string Printf(const char* format, double a) {
  char buf[64];
  std::snprintf(buf, sizeof buf, format, a);
  return buf;
}

// The totals of a run: every operation kind merged.
OpStats Totals(const LoadReport& load) {
  OpStats all;
  for (const auto& s : load.by_op) all.Merge(s);
  return all;
}

// One "key": value member.
void Field(JsonWriter* w, const char* key, double v) {
  w->Key(key);
  w->Double(v);
}
void Field(JsonWriter* w, const char* key, uint64_t v) {
  w->Key(key);
  w->Uint64(v);
}
void Field(JsonWriter* w, const char* key, const std::string& v) {
  w->Key(key);
  w->String(v.data(), static_cast<rapidjson::SizeType>(v.size()));
}

void WriteLatency(JsonWriter* w, const LatencySummary& l) {
  w->Key("latency_us");
  w->StartObject();
  Field(w, "p50", l.p50_us);
  Field(w, "p99", l.p99_us);
  Field(w, "p999", l.p999_us);
  Field(w, "mean", l.mean_us);
  Field(w, "max", l.max_us);
  w->EndObject();
}

void WriteOpFields(JsonWriter* w, OpStats s, double seconds) {
  Field(w, "ops", s.ops);
  Field(w, "ops_per_s", seconds > 0 ? static_cast<double>(s.ops) / seconds : 0);
  Field(w, "mb_per_s", MegabytesPerSecond(s.bytes, seconds));
  Field(w, "errors", s.errors);
  WriteLatency(w, SummarizeLatencies(&s.latency_ns));
}

std::string Ms(double us) { return Printf("%.3f", us / 1e3); }

std::string Row(const std::string& name, OpStats s, double seconds) {
  LatencySummary l = SummarizeLatencies(&s.latency_ns);
  char line[256];
  std::snprintf(line, sizeof line, "%-7s %10llu %11.1f %10.1f %9s %9s %9s %9s %8llu\n",
                name.c_str(), static_cast<unsigned long long>(s.ops),
                seconds > 0 ? static_cast<double>(s.ops) / seconds : 0,
                MegabytesPerSecond(s.bytes, seconds), Ms(l.p50_us).c_str(), Ms(l.p99_us).c_str(),
                Ms(l.p999_us).c_str(), Ms(l.max_us).c_str(),
                static_cast<unsigned long long>(s.errors));
  return line;
}

}  // namespace

std::string HumanBytes(uint64_t bytes) {
  if (bytes >= (1u << 30) && bytes % (1u << 30) == 0) return std::to_string(bytes >> 30) + " GiB";
  if (bytes >= (1u << 20) && bytes % (1u << 20) == 0) return std::to_string(bytes >> 20) + " MiB";
  if (bytes >= 1024 && bytes % 1024 == 0) return std::to_string(bytes >> 10) + " KiB";
  return std::to_string(bytes) + " B";
}

std::string FormatBenchText(const BenchOptions& o, const BenchResults& r) {
  std::string out = "machine: " + r.machine + ", load average " + r.load_average + "\n";
  if (r.raw != nullptr) {
    out += "\nraw limits (1 MB = 10^6 bytes)\n";
    for (const auto& l : *r.raw) {
      out += "  " + l.description + ": " + Printf("%.0f MB/s", l.mb_per_s);
      if (l.ops_per_s > 0) {
        out += Printf(", %.0f appends/s", l.ops_per_s) + ", p50 " + Ms(l.p50_us) + " ms, p99 " +
               Ms(l.p99_us) + " ms";
      }
      out += "\n";
    }
  }
  if (r.load != nullptr) {
    const LoadReport& l = *r.load;
    out += "\nS3 load: " + o.mode + " of " + HumanBytes(o.size) + " objects, " +
           std::to_string(o.concurrency) + " workers, " + std::to_string(o.keys) + " keys, " +
           Printf("%.1f s", l.seconds) + ", " + o.client.endpoint + "/" + o.bucket + "\n";
    if (l.prepared_keys > 0) {
      out += "  (" + std::to_string(l.prepared_keys) + " keys put first in " +
             Printf("%.1f s", l.prepare_seconds) + ", not timed)\n";
    }
    out +=
        "op             ops       ops/s       MB/s    p50 ms    p99 ms   p999 ms    max ms"
        "   errors\n";
    int kinds = 0;
    for (int i = 0; i < kBenchOpCount; ++i) {
      if (l.by_op[i].ops + l.by_op[i].errors == 0) continue;
      ++kinds;
      out += Row(std::string(BenchOpName(BenchOp(i))), l.by_op[i], l.seconds);
    }
    if (kinds != 1) out += Row("total", Totals(l), l.seconds);
    const OpStats all = Totals(l);
    if (all.ops > 0 && l.seconds > 0) {
      out += "client CPU: " + Printf("%.2f cores", l.client_cpu_seconds / l.seconds) + ", " +
             Printf("%.1f us per op", l.client_cpu_seconds * 1e6 / static_cast<double>(all.ops)) +
             "\n";
    }
    for (const auto& e : l.first_errors) out += "error: " + e + "\n";
  }
  return out;
}

std::string FormatBenchJson(const BenchOptions& o, const BenchResults& r) {
  rapidjson::StringBuffer buf;
  JsonWriter w(buf);
  w.StartObject();
  Field(&w, "machine", r.machine);
  Field(&w, "load_average", r.load_average);
  if (r.raw != nullptr) {
    w.Key("raw");
    w.StartArray();
    for (const auto& l : *r.raw) {
      w.StartObject();
      Field(&w, "name", l.name);
      Field(&w, "description", l.description);
      Field(&w, "mb_per_s", l.mb_per_s);
      Field(&w, "ops_per_s", l.ops_per_s);
      Field(&w, "p50_us", l.p50_us);
      Field(&w, "p99_us", l.p99_us);
      w.EndObject();
    }
    w.EndArray();
  }
  if (r.load != nullptr) {
    const LoadReport& l = *r.load;
    w.Key("load");
    w.StartObject();
    Field(&w, "endpoint", o.client.endpoint);
    Field(&w, "bucket", o.bucket);
    Field(&w, "op", o.mode);
    Field(&w, "size", o.size);
    Field(&w, "concurrency", static_cast<uint64_t>(o.concurrency));
    Field(&w, "keys", o.keys);
    Field(&w, "seconds", l.seconds);
    Field(&w, "client_cpu_s", l.client_cpu_seconds);
    WriteOpFields(&w, Totals(l), l.seconds);
    w.Key("by_op");
    w.StartObject();
    for (int i = 0; i < kBenchOpCount; ++i) {
      if (l.by_op[i].ops + l.by_op[i].errors == 0) continue;
      w.Key(std::string(BenchOpName(BenchOp(i))).c_str());
      w.StartObject();
      WriteOpFields(&w, l.by_op[i], l.seconds);
      w.EndObject();
    }
    w.EndObject();
    w.Key("first_errors");
    w.StartArray();
    for (const auto& e : l.first_errors) w.String(e.c_str());
    w.EndArray();
    w.EndObject();
  }
  w.EndObject();
  return std::string(buf.GetString(), buf.GetSize()) + "\n";
}

}  // namespace shale::cli
