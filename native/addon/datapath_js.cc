#include "addon/datapath_js.h"

#include "addon/counters_js.h"
#include "addon/flow_key_js.h"
#include "addon/js_args.h"

#include "addon/flow_js.h"
#include "parse/flow_key.h"

#include <cstdio>
#include <cstring>
#include <string>

namespace nodeswitch {

Napi::Function DatapathJs::Define(Napi::Env env) {
  return DefineClass(env, "Datapath",
                     {
                         InstanceMethod("addPort", &DatapathJs::JsAddPort),
                         InstanceMethod("deletePort", &DatapathJs::JsDeletePort),
                         InstanceMethod("addBond", &DatapathJs::JsAddBond),
                         InstanceMethod("bonds", &DatapathJs::JsBonds),
                         InstanceMethod("configure", &DatapathJs::JsConfigure),
                         InstanceMethod("fdb", &DatapathJs::JsFdb),
                         InstanceMethod("fdbFlush", &DatapathJs::JsFdbFlush),
                         InstanceMethod("portStats", &DatapathJs::JsPortStats),
                         InstanceMethod("stats", &DatapathJs::JsStats),
                         InstanceMethod("injectMem", &DatapathJs::JsInjectMem),
                         InstanceMethod("drainMem", &DatapathJs::JsDrainMem),
                         InstanceMethod("close", &DatapathJs::JsClose),
                         InstanceMethod("installFlows", &DatapathJs::JsInstallFlows),
                         InstanceMethod("removeFlows", &DatapathJs::JsRemoveFlows),
                         InstanceMethod("setFlowActions", &DatapathJs::JsSetFlowActions),
                         InstanceMethod("flowStats", &DatapathJs::JsFlowStats),
                         InstanceMethod("packetOut", &DatapathJs::JsPacketOut),
                         InstanceMethod("trace", &DatapathJs::JsTrace),
                         InstanceMethod("setUpcallLimits", &DatapathJs::JsSetUpcallLimits),
                         InstanceMethod("replay", &DatapathJs::JsReplay),
                         InstanceMethod("ingest", &DatapathJs::JsIngest),
                         InstanceMethod("setBareForward", &DatapathJs::JsSetBareForward),
                         InstanceMethod("setBusyPoll", &DatapathJs::JsSetBusyPoll),
                         InstanceMethod("setDatapathPoll", &DatapathJs::JsSetDatapathPoll),
                         InstanceMethod("startCapture", &DatapathJs::JsStartCapture),
                         InstanceMethod("stopCapture", &DatapathJs::JsStopCapture),
                         InstanceMethod("replayProgress", &DatapathJs::JsReplayProgress),
                         InstanceMethod("dumpMegaflows", &DatapathJs::JsDumpMegaflows),
                         InstanceMethod("flushMegaflows", &DatapathJs::JsFlushMegaflows),
                         InstanceMethod("setCacheConfig", &DatapathJs::JsSetCacheConfig),
                         InstanceMethod("setPortVlan", &DatapathJs::JsSetPortVlan),
                         InstanceMethod("setMirrors", &DatapathJs::JsSetMirrors),
                         InstanceMethod("mirrorStats", &DatapathJs::JsMirrorStats),
                         InstanceMethod("setIngressPolicing", &DatapathJs::JsSetIngressPolicing),
                         InstanceMethod("setMeter", &DatapathJs::JsSetMeter),
                         InstanceMethod("deleteMeters", &DatapathJs::JsDeleteMeters),
                         InstanceMethod("meterStats", &DatapathJs::JsMeterStats),
                         InstanceMethod("setGroup", &DatapathJs::JsSetGroup),
                         InstanceMethod("deleteGroups", &DatapathJs::JsDeleteGroups),
                         InstanceMethod("groupStats", &DatapathJs::JsGroupStats),
                         InstanceMethod("setMemLink", &DatapathJs::JsSetMemLink),
                         InstanceMethod("setQos", &DatapathJs::JsSetQos),
                         InstanceMethod("queueStats", &DatapathJs::JsQueueStats),
                         InstanceMethod("apply", &DatapathJs::JsApply),
                     });
}

// new Datapath(name, {macAging, macTableSize}, onEvents)
DatapathJs::DatapathJs(const Napi::CallbackInfo& info) : Napi::ObjectWrap<DatapathJs>(info) {
  Napi::Env env = info.Env();
  if (!info[0].IsString() || !info[1].IsObject() || !info[2].IsFunction()) {
    throw Napi::TypeError::New(env, "Datapath(name, {macAging, macTableSize}, onEvents)");
  }
  std::string name = info[0].As<Napi::String>();
  Napi::Object config = info[1].As<Napi::Object>();
  uint32_t aging = get_u32(config, "macAging", 1, 1u << 30);
  uint32_t size = get_u32(config, "macTableSize", 1, 1u << 24);
  tsfn_ = Napi::ThreadSafeFunction::New(env, info[2].As<Napi::Function>(), "nodeswitch-datapath", 0, 1);
  tsfn_.Unref(env);  // only outstanding commands keep the process alive
  try {
    datapath_ = std::make_unique<Datapath>(name, aging, size, [this] {
      tsfn_.NonBlockingCall([this](Napi::Env env, Napi::Function on_events) { Deliver(env, on_events); });
    });
  } catch (const std::exception& e) {
    tsfn_.Release();
    released_ = true;
    throw Napi::Error::New(env, e.what());
  }
  napi_add_env_cleanup_hook(env, &DatapathJs::CleanupHook, this);
}

DatapathJs::~DatapathJs() {
  napi_remove_env_cleanup_hook(Env(), &DatapathJs::CleanupHook, this);
  CleanupHook(this);
}

void DatapathJs::CleanupHook(void* arg) {
  auto* self = static_cast<DatapathJs*>(arg);
  if (self->datapath_) {
    self->datapath_->stop_now();
    self->datapath_.reset();
  }
  if (!self->released_) {
    self->released_ = true;
    self->tsfn_.Release();
  }
}

void DatapathJs::CheckOpen(Napi::Env env) const {
  if (!datapath_ || closing_) throw Napi::Error::New(env, "the datapath is closed");
}

Napi::Value DatapathJs::Post(Napi::Env env, std::unique_ptr<Command> cmd) {
  napi_deferred deferred;
  napi_value promise;
  NAPI_THROW_IF_FAILED(env, napi_create_promise(env, &deferred, &promise), Napi::Value());
  cmd->deferred = deferred;
  if (outstanding_++ == 0) tsfn_.Ref(env);
  datapath_->post(std::move(cmd));
  return Napi::Value(env, promise);
}

// {type: 'packetIns', count, records: Uint32Array, data: Buffer}: the whole batch
// in two copies, whatever its size (upcall_batch.h has the record layout).
static Napi::Object packet_ins_to_js(Napi::Env env, const UpcallBatch& batch) {
  Napi::Object o = Napi::Object::New(env);
  o.Set("type", "packetIns");
  o.Set("count", batch.size());
  Napi::ArrayBuffer records = Napi::ArrayBuffer::New(env, batch.records.size() * sizeof(uint32_t));
  std::memcpy(records.Data(), batch.records.data(), records.ByteLength());
  o.Set("records", Napi::Uint32Array::New(env, batch.records.size(), records, 0));
  o.Set("data", Napi::Buffer<uint8_t>::Copy(env, batch.bytes.data(), batch.bytes.size()));
  return o;
}

// JS thread: resolve what the datapath finished, pass port events on.
void DatapathJs::Deliver(Napi::Env env, Napi::Function on_events) {
  if (!datapath_) return;
  bool stopped = false;
  for (auto& cmd : datapath_->take_done()) {
    if (cmd->stop) stopped = true;
    if (!cmd->deferred) continue;
    Napi::HandleScope scope(env);
    auto deferred = static_cast<napi_deferred>(cmd->deferred);
    if (!cmd->error.empty()) {
      napi_reject_deferred(env, deferred, Napi::Error::New(env, cmd->error).Value());
    } else {
      Napi::Value v = cmd->result ? cmd->result(env) : env.Undefined();
      napi_resolve_deferred(env, deferred, v);
    }
    outstanding_--;
  }
  std::vector<PortEvent> events = datapath_->take_events();
  UpcallBatch upcalls = datapath_->take_upcalls();
  if ((!events.empty() || !upcalls.empty()) && !stopped) {
    Napi::HandleScope scope(env);
    Napi::Array arr = Napi::Array::New(env, events.size() + (upcalls.empty() ? 0 : 1));
    uint32_t n = 0;
    for (const PortEvent& ev : events) {
      Napi::Object o = Napi::Object::New(env);
      o.Set("type", ev.capture_done ? "captureDone" : ev.up ? "portUp" : "portDown");
      o.Set("ofport", ofport_to_js(ev.ofport));
      o.Set("reason", ev.reason);
      if (ev.capture_done) o.Set("packets", double(ev.captured));
      arr.Set(n++, o);
    }
    if (!upcalls.empty()) arr.Set(n++, packet_ins_to_js(env, upcalls));
    on_events.Call({arr});
  }
  datapath_->recycle_upcalls(std::move(upcalls));
  if (stopped) {
    datapath_->join();
    datapath_.reset();
  }
  if (outstanding_ == 0 && !released_) tsfn_.Unref(env);
  if (stopped && !released_) {
    released_ = true;
    tsfn_.Release();
  }
}

// addPort({name, type: 'afpacket'|'tap'|'mem', ofport, allowMissing?}) → {ifindex}
Napi::Value DatapathJs::JsAddPort(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  CheckOpen(env);
  if (!info[0].IsObject()) throw Napi::TypeError::New(env, "addPort({name, type, ofport})");
  Napi::Object spec = info[0].As<Napi::Object>();
  if (!spec.Get("name").IsString() || !spec.Get("type").IsString())
    throw Napi::TypeError::New(env, "port name and type must be strings");
  std::string name = spec.Get("name").As<Napi::String>();
  std::string type_text = spec.Get("type").As<Napi::String>();
  uint16_t ofport = ofport_from_js(env, spec.Get("ofport"));
  bool allow_missing = spec.Get("allowMissing").ToBoolean();
  PortType type;
  if (!enum_from_name(kPortTypeNames, type_text, &type)) throw Napi::TypeError::New(env, "unknown port type " + type_text);
  if (type == PortType::kPcap) {
    // {in?: path, out?: path, repeat?: N, nanosecond?: bool}
    Napi::Value pv = spec.Get("pcap");
    if (!pv.IsObject()) throw Napi::TypeError::New(env, "a pcap port needs {pcap: {in?, out?, repeat?}}");
    Napi::Object po = pv.As<Napi::Object>();
    PcapPort::Options opts;
    if (po.Get("in").IsString()) opts.in_path = po.Get("in").As<Napi::String>();
    if (po.Get("out").IsString()) opts.out_path = po.Get("out").As<Napi::String>();
    if (po.Get("repeat").IsNumber()) opts.repeat = po.Get("repeat").As<Napi::Number>().Uint32Value();
    if (po.Get("nanosecond").ToBoolean()) opts.out_resolution = PcapWriter::Resolution::kNanosecond;
    auto cmd = std::make_unique<Command>();
    cmd->apply = [name, ofport, opts](Datapath& dp) -> JsValueBuilder {
      uint64_t records = dp.add_pcap_port(name, ofport, opts);
      return [records](Napi::Env env) -> Napi::Value {
        Napi::Object o = Napi::Object::New(env);
        o.Set("ifindex", 0);
        o.Set("records", double(records));  // input records, all passes
        return o;
      };
    };
    return Post(env, std::move(cmd));
  }
  // tap?: {persist?: bool, mac?: "aa:bb:…", searchNamespaces?: bool, leaveDown?: bool}
  TapPort::Options tap;
  if (spec.Get("tap").IsObject()) {
    Napi::Object to = spec.Get("tap").As<Napi::Object>();
    tap.persist = to.Get("persist").ToBoolean();
    tap.search_namespaces = to.Get("searchNamespaces").ToBoolean();
    tap.leave_down = to.Get("leaveDown").ToBoolean();
    if (to.Get("mac").IsString()) {
      std::string text = to.Get("mac").As<Napi::String>();
      unsigned b[6];
      if (std::sscanf(text.c_str(), "%2x:%2x:%2x:%2x:%2x:%2x", &b[0], &b[1], &b[2], &b[3], &b[4], &b[5]) != 6) {
        throw Napi::TypeError::New(env, "tap.mac must be a MAC address like 02:00:00:00:00:01");
      }
      for (int i = 0; i < 6; i++) tap.mac[i] = uint8_t(b[i]);
      tap.has_mac = true;
    }
  }
  auto cmd = std::make_unique<Command>();
  cmd->apply = [name, type, ofport, allow_missing, tap](Datapath& dp) -> JsValueBuilder {
    dp.add_port(name, type, ofport, allow_missing, &tap);
    int ifindex = dp.ifindex_of(ofport);
    const char* origin = dp.tap_origin(ofport);
    return [ifindex, origin](Napi::Env env) -> Napi::Value {
      Napi::Object o = Napi::Object::New(env);
      o.Set("ifindex", ifindex);
      if (origin) o.Set("tapOrigin", origin);
      return o;
    };
  };
  return Post(env, std::move(cmd));
}

Napi::Value DatapathJs::JsDeletePort(const Napi::CallbackInfo& info) {
  CheckOpen(info.Env());
  uint16_t ofport = get_ofport(info, 0);
  auto cmd = std::make_unique<Command>();
  cmd->apply = [ofport](Datapath& dp) -> JsValueBuilder {
    dp.delete_port(ofport);
    return undefined_result();
  };
  return Post(info.Env(), std::move(cmd));
}

Napi::Value DatapathJs::JsConfigure(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  CheckOpen(env);
  if (!info[0].IsObject()) throw Napi::TypeError::New(env, "configure({macAging, macTableSize})");
  Napi::Object config = info[0].As<Napi::Object>();
  uint32_t aging = get_u32(config, "macAging", 1, 1u << 30);
  uint32_t size = get_u32(config, "macTableSize", 1, 1u << 24);
  auto cmd = std::make_unique<Command>();
  cmd->apply = [aging, size](Datapath& dp) -> JsValueBuilder {
    dp.configure(aging, size);
    return undefined_result();
  };
  return Post(env, std::move(cmd));
}

Napi::Value DatapathJs::JsFdb(const Napi::CallbackInfo& info) {
  CheckOpen(info.Env());
  auto cmd = std::make_unique<Command>();
  cmd->apply = [](Datapath& dp) -> JsValueBuilder {
    std::vector<FdbSnapshot> entries = dp.fdb();
    return [entries](Napi::Env env) -> Napi::Value {
      Napi::Array arr = Napi::Array::New(env, entries.size());
      for (size_t i = 0; i < entries.size(); i++) {
        Napi::Object o = Napi::Object::New(env);
        o.Set("mac", mac_text(entries[i].mac));
        o.Set("vlan", entries[i].vlan);
        o.Set("ofport", ofport_to_js(entries[i].ofport));
        o.Set("age", entries[i].age);
        arr.Set(i, o);
      }
      return arr;
    };
  };
  return Post(info.Env(), std::move(cmd));
}

Napi::Value DatapathJs::JsFdbFlush(const Napi::CallbackInfo& info) {
  CheckOpen(info.Env());
  auto cmd = std::make_unique<Command>();
  cmd->apply = [](Datapath& dp) -> JsValueBuilder {
    dp.fdb_flush();
    return undefined_result();
  };
  return Post(info.Env(), std::move(cmd));
}

Napi::Value DatapathJs::JsPortStats(const Napi::CallbackInfo& info) {
  CheckOpen(info.Env());
  auto cmd = std::make_unique<Command>();
  cmd->apply = [](Datapath& dp) -> JsValueBuilder {
    std::vector<PortSnapshot> ports = dp.port_stats();
    return [ports](Napi::Env env) -> Napi::Value {
      Napi::Array arr = Napi::Array::New(env, ports.size());
      for (size_t i = 0; i < ports.size(); i++) {
        Napi::Object o = Napi::Object::New(env);
        o.Set("ofport", ofport_to_js(ports[i].ofport));
        o.Set("up", ports[i].up);
        o.Set("ifindex", ports[i].ifindex);
        set_port_counters(o, ports[i].counters);
        arr.Set(i, o);
      }
      return arr;
    };
  };
  return Post(info.Env(), std::move(cmd));
}

Napi::Value DatapathJs::JsStats(const Napi::CallbackInfo& info) {
  CheckOpen(info.Env());
  auto cmd = std::make_unique<Command>();
  cmd->apply = [](Datapath& dp) -> JsValueBuilder {
    BridgeCounters c = dp.bridge_stats();
    uint32_t entries = dp.mac_entries();
    CacheCounters cache = dp.pipeline_stats();
    return [c, entries, cache](Napi::Env env) -> Napi::Value {
      Napi::Object o = Napi::Object::New(env);
      set_bridge_counters(o, c);
      set_cache_counters(o, cache);
      o.Set("macEntries", entries);
      return o;
    };
  };
  return Post(info.Env(), std::move(cmd));
}

// injectMem(ofport, Buffer[], offload?): frames arrive on a mem port (tests,
// benches), all with the same offload state {gsoType, gsoSize, csumStart,
// csumOffset} when given, as a TAP would hand them over; resolves once they are
// forwarded. Not ingest (datapath_tools_js.cc), which feeds live traffic to any port.
Napi::Value DatapathJs::JsInjectMem(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  CheckOpen(env);
  uint16_t ofport = get_ofport(info, 0);
  if (!info[1].IsArray()) throw Napi::TypeError::New(env, "injectMem(ofport, frames[], offload?)");
  VnetHdr vnet{};
  if (info[2].IsObject()) {
    Napi::Object o = info[2].As<Napi::Object>();
    vnet.gso_type = uint8_t(get_u32(o, "gsoType", 0, 0xff));
    vnet.gso_size = uint16_t(get_u32(o, "gsoSize", 0, 0xffff));
    vnet.csum_start = uint16_t(get_u32(o, "csumStart", 0, 0xffff));
    vnet.csum_offset = uint16_t(get_u32(o, "csumOffset", 0, 0xffff));
    if (vnet.csum_offset) vnet.flags = VIRTIO_NET_HDR_F_NEEDS_CSUM;
  }
  Napi::Array arr = info[1].As<Napi::Array>();
  std::vector<MemPort::InFrame> frames;
  frames.reserve(arr.Length());
  for (uint32_t i = 0; i < arr.Length(); i++) {
    Napi::Value v = arr.Get(i);
    if (!v.IsBuffer()) throw Napi::TypeError::New(env, "frames must be Buffers");
    auto b = v.As<Napi::Buffer<uint8_t>>();
    frames.push_back({MemPort::Frame(b.Data(), b.Data() + b.Length()), vnet});
  }
  auto cmd = std::make_unique<Command>();
  auto shared = std::make_shared<std::vector<MemPort::InFrame>>(std::move(frames));
  cmd->apply = [ofport, shared](Datapath& dp) -> JsValueBuilder {
    dp.inject_mem(ofport, std::move(*shared));
    return undefined_result();
  };
  return Post(env, std::move(cmd));
}

Napi::Value DatapathJs::JsDrainMem(const Napi::CallbackInfo& info) {
  CheckOpen(info.Env());
  uint16_t ofport = get_ofport(info, 0);
  auto cmd = std::make_unique<Command>();
  cmd->apply = [ofport](Datapath& dp) -> JsValueBuilder {
    auto frames = std::make_shared<std::vector<std::vector<uint8_t>>>(dp.drain_mem(ofport));
    return [frames](Napi::Env env) -> Napi::Value {
      Napi::Array arr = Napi::Array::New(env, frames->size());
      for (size_t i = 0; i < frames->size(); i++) {
        arr.Set(i, Napi::Buffer<uint8_t>::Copy(env, (*frames)[i].data(), (*frames)[i].size()));
      }
      return arr;
    };
  };
  return Post(info.Env(), std::move(cmd));
}

Napi::Value DatapathJs::JsClose(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  CheckOpen(env);
  closing_ = true;
  auto cmd = std::make_unique<Command>();
  cmd->apply = [](Datapath& dp) -> JsValueBuilder {
    dp.close_all_ports();
    return undefined_result();
  };
  cmd->stop = true;
  return Post(env, std::move(cmd));
}

}  // namespace nodeswitch
