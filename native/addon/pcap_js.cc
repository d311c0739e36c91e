// Glue only: argument checks and conversions around PcapReader.
#include "addon/pcap_js.h"

#include <memory>
#include <stdexcept>
#include <string>

#include "pcap/pcap_reader.h"

namespace nodeswitch {

Napi::Value JsReadPcap(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  if (!info[0].IsString()) throw Napi::TypeError::New(env, "readPcap(path): path must be a string");
  std::string path = info[0].As<Napi::String>().Utf8Value();
  std::unique_ptr<PcapReader> reader;
  try {
    reader = std::make_unique<PcapReader>(path);
  } catch (const std::runtime_error& e) {
    throw Napi::Error::New(env, e.what());
  }
  Napi::Array records = Napi::Array::New(env);
  PcapReader::Record r;
  uint32_t i = 0;
  while (reader->next(&r)) {
    Napi::Object o = Napi::Object::New(env);
    o.Set("caplen", r.caplen);
    o.Set("len", r.len);
    o.Set("tsNs", Napi::BigInt::New(env, r.ts_ns));
    o.Set("interface", r.interface);
    o.Set("data", Napi::Buffer<uint8_t>::Copy(env, r.data, r.caplen));
    records.Set(i++, o);
  }
  Napi::Object out = Napi::Object::New(env);
  out.Set("format", reader->format() == PcapReader::Format::kPcap ? "pcap" : "pcapng");
  out.Set("count", double(reader->count()));
  out.Set("truncated", double(reader->truncated()));
  out.Set("interfaces", reader->interfaces());
  out.Set("records", records);
  return out;
}

}  // namespace nodeswitch
