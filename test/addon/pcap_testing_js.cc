// Glue only: argument checks and conversions around PcapWriter and PcapPort.
#include "pcap_testing_js.h"

#include <cstring>
#include <memory>
#include <stdexcept>
#include <string>

#include "pcap/pcap_writer.h"
#include "port/pcap_port.h"

namespace nodeswitch {
namespace {

std::string string_arg(Napi::Env env, Napi::Value v, const char* what) {
  if (!v.IsString()) throw Napi::TypeError::New(env, std::string(what) + " must be a string");
  return v.As<Napi::String>().Utf8Value();
}

uint64_t ts_arg(Napi::Env env, Napi::Value v) {
  if (v.IsBigInt()) {
    bool lossless;
    uint64_t t = v.As<Napi::BigInt>().Uint64Value(&lossless);
    if (!lossless) throw Napi::RangeError::New(env, "tsNs must fit in 64 bits");
    return t;
  }
  if (v.IsNumber()) return uint64_t(v.As<Napi::Number>().DoubleValue());
  throw Napi::TypeError::New(env, "tsNs must be a bigint or a number");
}

Napi::Value JsPcapWrite(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  std::string path = string_arg(env, info[0], "pcapWrite(path, records)");
  if (!info[1].IsArray()) throw Napi::TypeError::New(env, "records must be an array");
  Napi::Array records = info[1].As<Napi::Array>();
  auto res = PcapWriter::Resolution::kMicrosecond;
  uint32_t snaplen = PcapWriter::kDefaultSnaplen;
  if (info[2].IsObject()) {
    Napi::Object opts = info[2].As<Napi::Object>();
    if (opts.Get("nanosecond").ToBoolean()) res = PcapWriter::Resolution::kNanosecond;
    if (opts.Get("snaplen").IsNumber()) snaplen = opts.Get("snaplen").As<Napi::Number>().Uint32Value();
  }
  try {
    PcapWriter w(path, res, snaplen);
    for (uint32_t i = 0; i < records.Length(); i++) {
      Napi::Value v = records.Get(i);
      if (!v.IsObject()) throw Napi::TypeError::New(env, "records[" + std::to_string(i) + "] must be an object");
      Napi::Object rec = v.As<Napi::Object>();
      if (!rec.Get("data").IsBuffer())
        throw Napi::TypeError::New(env, "records[" + std::to_string(i) + "].data must be a Buffer");
      auto data = rec.Get("data").As<Napi::Buffer<uint8_t>>();
      w.write(data.Data(), uint32_t(data.Length()), ts_arg(env, rec.Get("tsNs")));
    }
    w.close();
    return Napi::Number::New(env, double(w.records()));
  } catch (const std::runtime_error& e) {
    throw Napi::Error::New(env, e.what());
  }
}

Napi::Value JsPcapReplay(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  if (!info[0].IsObject()) throw Napi::TypeError::New(env, "pcapReplay({in, out?, repeat?, pushVlan?})");
  Napi::Object opts = info[0].As<Napi::Object>();
  PcapPort::Options in_opts;
  in_opts.in_path = string_arg(env, opts.Get("in"), "in");
  if (opts.Get("repeat").IsNumber()) in_opts.repeat = opts.Get("repeat").As<Napi::Number>().Uint32Value();
  PcapPort::Options out_opts;
  if (opts.Get("out").IsString()) out_opts.out_path = opts.Get("out").As<Napi::String>().Utf8Value();
  out_opts.record_times = true;
  bool push_vlan = opts.Get("pushVlan").ToBoolean();

  PortCounters rx, tx;
  uint64_t bursts = 0;
  try {
    PcapPort in(in_opts);
    PcapPort out(out_opts);
    Packet pkts[kBurst];
    Packet* ptrs[kBurst];
    while (uint32_t n = in.rx_burst(pkts, kBurst, rx)) {
      bursts++;
      for (uint32_t i = 0; i < n; i++) {
        rx.rx_packets++;
        rx.rx_bytes += pkts[i].len;
        if (push_vlan && pkts[i].len >= 12) {
          uint8_t* d = pkts[i].data - 4;
          std::memmove(d, pkts[i].data, 12);
          const uint8_t tag[4] = {0x81, 0x00, 0x00, 0x2a};  // VID 42
          std::memcpy(d + 12, tag, 4);
          pkts[i].data = d;
          pkts[i].len += 4;
        }
        ptrs[i] = &pkts[i];
      }
      out.tx_burst(ptrs, n, tx);
      in.release_rx();
    }
    out.close();
    Napi::Object o = Napi::Object::New(env);
    o.Set("bursts", double(bursts));
    o.Set("rxPackets", double(rx.rx_packets));
    o.Set("rxDropped", double(rx.rx_dropped));
    o.Set("rxErrors", double(rx.rx_errors));
    o.Set("txPackets", double(tx.tx_packets));
    o.Set("txBytes", double(tx.tx_bytes));
    o.Set("txDropped", double(tx.tx_dropped));
    o.Set("truncated", double(in.truncated()));
    o.Set("oversize", double(in.oversize()));
    o.Set("eof", in.eof());
    return o;
  } catch (const std::runtime_error& e) {
    throw Napi::Error::New(env, e.what());
  }
}

}  // namespace

void register_pcap_testing(Napi::Env env, Napi::Object testing) {
  testing.Set("pcapWrite", Napi::Function::New(env, JsPcapWrite, "pcapWrite"));
  testing.Set("pcapReplay", Napi::Function::New(env, JsPcapReplay, "pcapReplay"));
}

}  // namespace nodeswitch
