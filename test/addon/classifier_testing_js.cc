// Glue only: argument checks and conversions around Classifier and MicroflowCache.
#include "classifier_testing_js.h"

#include <cstring>
#include <memory>
#include <string>
#include <vector>

#include "parse/flow_key.h"
#include "table/classifier.h"
#include "table/microflow_cache.h"

namespace nodeswitch {
namespace {

constexpr uint32_t kNoMatch = 0xffffffff;  // -1 as a cached result

FlowKey key_arg(Napi::Env env, Napi::Value v, const char* what) {
  if (!v.IsBuffer()) throw Napi::TypeError::New(env, std::string(what) + " must be a Buffer");
  auto buf = v.As<Napi::Buffer<uint8_t>>();
  if (buf.Length() != sizeof(FlowKey)) {
    throw Napi::RangeError::New(env, std::string(what) + " must be " + std::to_string(sizeof(FlowKey)) + " bytes");
  }
  FlowKey k;
  std::memcpy(&k, buf.Data(), sizeof k);
  return k;
}

uint32_t u32_arg(Napi::Env env, Napi::Value v, const char* what, uint32_t max) {
  if (!v.IsNumber()) throw Napi::TypeError::New(env, std::string(what) + " must be a number");
  double d = v.As<Napi::Number>().DoubleValue();
  if (!(d >= 0 && d <= max) || d != double(uint32_t(d))) {
    throw Napi::RangeError::New(env, std::string(what) + " must be an integer from 0 to " + std::to_string(max));
  }
  return uint32_t(d);
}

Napi::Array array_arg(Napi::Env env, Napi::Value v, const char* what) {
  if (!v.IsArray()) throw Napi::TypeError::New(env, std::string(what) + " must be an array");
  return v.As<Napi::Array>();
}

bool bool_opt(Napi::Value opts, const char* key) {
  if (!opts.IsObject()) return false;
  return opts.As<Napi::Object>().Get(key).ToBoolean();
}

FlowKey frame_key(Napi::Env env, Napi::Value frame, uint32_t in_port) {
  if (!frame.IsBuffer()) throw Napi::TypeError::New(env, "frame must be a Buffer");
  auto buf = frame.As<Napi::Buffer<uint8_t>>();
  FlowKey k;
  parse_flow_key(buf.Data(), uint32_t(buf.Length()), &k);
  k.in_port = in_port;
  return k;
}

Napi::Object stats_to_js(Napi::Env env, const MicroflowCacheStats& s) {
  Napi::Object o = Napi::Object::New(env);
  o.Set("hits", double(s.hits));
  o.Set("misses", double(s.misses));
  o.Set("inserts", double(s.inserts));
  o.Set("evictions", double(s.evictions));
  return o;
}

// A classifier over rules numbered by the caller, with a cache in front that
// holds those numbers — the shape the datapath will have.
class TestTable {
 public:
  explicit TestTable(uint32_t cache_entries) : cache_(cache_entries) {}
  ~TestTable() {
    for (auto& r : rules_) {
      if (r && r->inserted()) cls_.remove(r.get());
    }
  }

  uint32_t insert(uint16_t priority, const FlowKey& key, const FlowKey& mask) {
    auto r = std::make_unique<Rule>();
    r->key = key;
    r->mask = mask;
    r->priority = priority;
    const uint32_t id = uint32_t(rules_.size());
    r->owner = reinterpret_cast<void*>(uintptr_t(id));
    cls_.insert(r.get());
    rules_.push_back(std::move(r));
    cache_.invalidate_all();
    return id;
  }

  bool remove(uint32_t id) {
    if (id >= rules_.size() || !rules_[id]) return false;
    cls_.remove(rules_[id].get());
    rules_[id].reset();
    cache_.invalidate_all();
    return true;
  }

  static uint32_t id_of(const Rule* r) { return r ? uint32_t(reinterpret_cast<uintptr_t>(r->owner)) : kNoMatch; }

  uint32_t lookup(const FlowKey& k, bool use_cache) {
    if (!use_cache) return id_of(cls_.lookup(k));
    const uint32_t h = cache_.hash(k);
    if (const uint32_t* hit = cache_.find(k, h)) return *hit;
    const uint32_t id = id_of(cls_.lookup(k));
    cache_.insert(k, h, id);
    return id;
  }

  Classifier& classifier() { return cls_; }
  MicroflowCache<uint32_t>& cache() { return cache_; }

 private:
  Classifier cls_;
  MicroflowCache<uint32_t> cache_;
  std::vector<std::unique_ptr<Rule>> rules_;  // index = id; null once removed
};

Napi::Value ids_to_js(Napi::Env env, const std::vector<uint32_t>& ids) {
  Napi::Array out = Napi::Array::New(env, ids.size());
  for (uint32_t i = 0; i < ids.size(); i++) out.Set(i, ids[i] == kNoMatch ? -1.0 : double(ids[i]));
  return out;
}

// classify(rules, frames, {cache?, inPorts?})
Napi::Value JsClassify(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  Napi::Array rules = array_arg(env, info[0], "rules");
  Napi::Array frames = array_arg(env, info[1], "frames");
  const bool use_cache = bool_opt(info[2], "cache");
  Napi::Value in_ports_v = info[2].IsObject() ? info[2].As<Napi::Object>().Get("inPorts") : env.Undefined();
  Napi::Array in_ports;
  if (!in_ports_v.IsUndefined()) {
    in_ports = array_arg(env, in_ports_v, "inPorts");
    if (in_ports.Length() != frames.Length()) throw Napi::RangeError::New(env, "inPorts must be as long as frames");
  }

  TestTable table(MicroflowCache<uint32_t>::kDefaultEntries);
  for (uint32_t i = 0; i < rules.Length(); i++) {
    Napi::Value rv = rules.Get(i);
    if (!rv.IsObject()) throw Napi::TypeError::New(env, "rules[i] must be {priority, key, mask}");
    Napi::Object r = rv.As<Napi::Object>();
    uint16_t priority = uint16_t(u32_arg(env, r.Get("priority"), "priority", 0xffff));
    FlowKey mask = key_arg(env, r.Get("mask"), "mask");
    FlowKey key = key_arg(env, r.Get("key"), "key");
    Classifier& cls = table.classifier();
    if (cls.find_exact(key, mask, priority)) throw Napi::Error::New(env, "rules[" + std::to_string(i) + "] is a duplicate");
    table.insert(priority, key, mask);
  }
  std::vector<uint32_t> ids(frames.Length());
  for (uint32_t i = 0; i < frames.Length(); i++) {
    uint32_t in_port = in_ports.IsEmpty() ? 0 : u32_arg(env, in_ports.Get(i), "inPorts[i]", 0xffffffff);
    ids[i] = table.lookup(frame_key(env, frames.Get(i), in_port), use_cache);
  }
  return ids_to_js(env, ids);
}

// flowKeyBytes(frame, inPort?)
Napi::Value JsFlowKeyBytes(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  uint32_t in_port = info[1].IsUndefined() ? 0 : u32_arg(env, info[1], "inPort", 0xffffffff);
  FlowKey k = frame_key(env, info[0], in_port);
  return Napi::Buffer<uint8_t>::Copy(env, reinterpret_cast<const uint8_t*>(&k), sizeof k);
}

Napi::Value JsOverlaps(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  return Napi::Boolean::New(env, overlaps(key_arg(env, info[0], "k1"), key_arg(env, info[1], "m1"), key_arg(env, info[2], "k2"),
                                          key_arg(env, info[3], "m2")));
}

// matchCovers(key, mask, ruleKey, ruleMask): the rule's key is masked first, as insert() does.
Napi::Value JsMatchCovers(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  Rule r;
  r.key = key_arg(env, info[2], "ruleKey");
  r.mask = key_arg(env, info[3], "ruleMask");
  auto* k = reinterpret_cast<uint8_t*>(&r.key);
  const auto* m = reinterpret_cast<const uint8_t*>(&r.mask);
  for (size_t i = 0; i < sizeof(FlowKey); i++) k[i] &= m[i];
  return Napi::Boolean::New(env, match_covers(key_arg(env, info[0], "key"), key_arg(env, info[1], "mask"), r));
}

class ClassifierJs : public Napi::ObjectWrap<ClassifierJs> {
 public:
  static Napi::Function Define(Napi::Env env) {
    return DefineClass(env, "Classifier",
                       {
                           InstanceMethod("insert", &ClassifierJs::JsInsert),
                           InstanceMethod("remove", &ClassifierJs::JsRemove),
                           InstanceMethod("lookup", &ClassifierJs::JsLookup),
                           InstanceMethod("lookupWildcards", &ClassifierJs::JsLookupWildcards),
                           InstanceMethod("findExact", &ClassifierJs::JsFindExact),
                           InstanceMethod("ids", &ClassifierJs::JsIds),
                           InstanceMethod("size", &ClassifierJs::JsSize),
                           InstanceMethod("subtableCount", &ClassifierJs::JsSubtableCount),
                           InstanceMethod("cacheStats", &ClassifierJs::JsCacheStats),
                           InstanceMethod("invalidate", &ClassifierJs::JsInvalidate),
                       });
  }

  // new Classifier({cacheEntries?})
  explicit ClassifierJs(const Napi::CallbackInfo& info) : Napi::ObjectWrap<ClassifierJs>(info) {
    uint32_t entries = MicroflowCache<uint32_t>::kDefaultEntries;
    if (info[0].IsObject()) {
      Napi::Value v = info[0].As<Napi::Object>().Get("cacheEntries");
      if (!v.IsUndefined()) entries = u32_arg(info.Env(), v, "cacheEntries", 1u << 20);
    }
    table_ = std::make_unique<TestTable>(entries);
  }

 private:
  // insert(priority, key, mask) → id; a duplicate (same match and priority) throws.
  Napi::Value JsInsert(const Napi::CallbackInfo& info) {
    Napi::Env env = info.Env();
    uint16_t priority = uint16_t(u32_arg(env, info[0], "priority", 0xffff));
    FlowKey key = key_arg(env, info[1], "key");
    FlowKey mask = key_arg(env, info[2], "mask");
    if (table_->classifier().find_exact(key, mask, priority)) throw Napi::Error::New(env, "duplicate rule");
    return Napi::Number::New(env, table_->insert(priority, key, mask));
  }

  Napi::Value JsRemove(const Napi::CallbackInfo& info) {
    Napi::Env env = info.Env();
    if (!table_->remove(u32_arg(env, info[0], "id", 0xfffffffe))) throw Napi::RangeError::New(env, "no such rule");
    return env.Undefined();
  }

  // lookup(keys, {cache?}) → id or -1 per raw key
  Napi::Value JsLookup(const Napi::CallbackInfo& info) {
    Napi::Env env = info.Env();
    Napi::Array keys = array_arg(env, info[0], "keys");
    const bool use_cache = bool_opt(info[1], "cache");
    std::vector<uint32_t> ids(keys.Length());
    for (uint32_t i = 0; i < keys.Length(); i++) ids[i] = table_->lookup(key_arg(env, keys.Get(i), "key"), use_cache);
    return ids_to_js(env, ids);
  }

  // lookupWildcards(key) → {id, wc}: the rule (or -1) and the key bits the answer
  // depends on (what a megaflow made from this lookup would be keyed on).
  Napi::Value JsLookupWildcards(const Napi::CallbackInfo& info) {
    Napi::Env env = info.Env();
    FlowKey wc{};
    const Rule* r = table_->classifier().lookup(key_arg(env, info[0], "key"), &wc);
    Napi::Object o = Napi::Object::New(env);
    o.Set("id", r ? double(TestTable::id_of(r)) : -1.0);
    o.Set("wc", Napi::Buffer<uint8_t>::Copy(env, reinterpret_cast<const uint8_t*>(&wc), sizeof wc));
    return o;
  }

  Napi::Value JsFindExact(const Napi::CallbackInfo& info) {
    Napi::Env env = info.Env();
    FlowKey key = key_arg(env, info[0], "key");
    FlowKey mask = key_arg(env, info[1], "mask");
    uint16_t priority = uint16_t(u32_arg(env, info[2], "priority", 0xffff));
    const Rule* r = table_->classifier().find_exact(key, mask, priority);
    return Napi::Number::New(env, r ? double(TestTable::id_of(r)) : -1.0);
  }

  Napi::Value JsIds(const Napi::CallbackInfo& info) {
    std::vector<uint32_t> ids;
    table_->classifier().for_each([&](const Rule* r) { ids.push_back(TestTable::id_of(r)); });
    return ids_to_js(info.Env(), ids);
  }

  Napi::Value JsSize(const Napi::CallbackInfo& info) {
    return Napi::Number::New(info.Env(), double(table_->classifier().size()));
  }
  Napi::Value JsSubtableCount(const Napi::CallbackInfo& info) {
    return Napi::Number::New(info.Env(), double(table_->classifier().subtable_count()));
  }
  Napi::Value JsCacheStats(const Napi::CallbackInfo& info) { return stats_to_js(info.Env(), table_->cache().stats()); }
  Napi::Value JsInvalidate(const Napi::CallbackInfo& info) {
    table_->cache().invalidate_all();
    return info.Env().Undefined();
  }

  std::unique_ptr<TestTable> table_;
};

}  // namespace

void register_classifier_testing(Napi::Env env, Napi::Object testing) {
  testing.Set("classify", Napi::Function::New(env, JsClassify, "classify"));
  testing.Set("flowKeyBytes", Napi::Function::New(env, JsFlowKeyBytes, "flowKeyBytes"));
  testing.Set("overlaps", Napi::Function::New(env, JsOverlaps, "overlaps"));
  testing.Set("matchCovers", Napi::Function::New(env, JsMatchCovers, "matchCovers"));
  testing.Set("Classifier", ClassifierJs::Define(env));
}

}  // namespace nodeswitch
