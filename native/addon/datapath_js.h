// JS face of one Datapath: each method checks and converts its arguments, posts one
// command to the datapath thread and returns a promise. One thread-safe function
// carries everything back (finished commands, port events) in batches.
#pragma once

#include <napi.h>

#include <memory>

#include "dp/datapath.h"

namespace nodeswitch {

class DatapathJs : public Napi::ObjectWrap<DatapathJs> {
 public:
  static Napi::Function Define(Napi::Env env);
  explicit DatapathJs(const Napi::CallbackInfo& info);
  ~DatapathJs() override;

 private:
  Napi::Value JsAddPort(const Napi::CallbackInfo& info);
  Napi::Value JsDeletePort(const Napi::CallbackInfo& info);
  Napi::Value JsAddBond(const Napi::CallbackInfo& info);  // bond_js.cc
  Napi::Value JsBonds(const Napi::CallbackInfo& info);
  Napi::Value JsConfigure(const Napi::CallbackInfo& info);
  Napi::Value JsFdb(const Napi::CallbackInfo& info);
  Napi::Value JsFdbFlush(const Napi::CallbackInfo& info);
  Napi::Value JsPortStats(const Napi::CallbackInfo& info);
  Napi::Value JsStats(const Napi::CallbackInfo& info);
  Napi::Value JsInjectMem(const Napi::CallbackInfo& info);
  Napi::Value JsDrainMem(const Napi::CallbackInfo& info);
  Napi::Value JsClose(const Napi::CallbackInfo& info);
  Napi::Value JsInstallFlows(const Napi::CallbackInfo& info);
  Napi::Value JsRemoveFlows(const Napi::CallbackInfo& info);
  Napi::Value JsSetFlowActions(const Napi::CallbackInfo& info);
  Napi::Value JsFlowStats(const Napi::CallbackInfo& info);
  Napi::Value JsPacketOut(const Napi::CallbackInfo& info);
  Napi::Value JsTrace(const Napi::CallbackInfo& info);
  Napi::Value JsSetUpcallLimits(const Napi::CallbackInfo& info);
  Napi::Value JsReplay(const Napi::CallbackInfo& info);
  Napi::Value JsIngest(const Napi::CallbackInfo& info);
  Napi::Value JsSetBareForward(const Napi::CallbackInfo& info);
  Napi::Value JsSetBusyPoll(const Napi::CallbackInfo& info);
  Napi::Value JsSetDatapathPoll(const Napi::CallbackInfo& info);
  Napi::Value JsStartCapture(const Napi::CallbackInfo& info);
  Napi::Value JsStopCapture(const Napi::CallbackInfo& info);
  Napi::Value JsReplayProgress(const Napi::CallbackInfo& info);
  // apply_js.cc
  Napi::Value JsApply(const Napi::CallbackInfo& info);
  // megaflow_js.cc
  Napi::Value JsDumpMegaflows(const Napi::CallbackInfo& info);
  Napi::Value JsFlushMegaflows(const Napi::CallbackInfo& info);
  Napi::Value JsSetCacheConfig(const Napi::CallbackInfo& info);
  // vlan_js.cc
  Napi::Value JsSetPortVlan(const Napi::CallbackInfo& info);
  // mirror_js.cc
  Napi::Value JsSetMirrors(const Napi::CallbackInfo& info);
  Napi::Value JsMirrorStats(const Napi::CallbackInfo& info);
  // qos_js.cc
  Napi::Value JsSetIngressPolicing(const Napi::CallbackInfo& info);
  Napi::Value JsSetMeter(const Napi::CallbackInfo& info);
  Napi::Value JsDeleteMeters(const Napi::CallbackInfo& info);
  Napi::Value JsMeterStats(const Napi::CallbackInfo& info);
  // group_js.cc
  Napi::Value JsSetGroup(const Napi::CallbackInfo& info);
  Napi::Value JsDeleteGroups(const Napi::CallbackInfo& info);
  Napi::Value JsGroupStats(const Napi::CallbackInfo& info);
  Napi::Value JsSetMemLink(const Napi::CallbackInfo& info);
  // shaping_js.cc
  Napi::Value JsSetQos(const Napi::CallbackInfo& info);
  Napi::Value JsQueueStats(const Napi::CallbackInfo& info);

  Napi::Value Post(Napi::Env env, std::unique_ptr<Command> cmd);
  void Deliver(Napi::Env env, Napi::Function on_events);
  void CheckOpen(Napi::Env env) const;
  static void CleanupHook(void* self);

  std::unique_ptr<Datapath> datapath_;
  Napi::ThreadSafeFunction tsfn_;
  uint32_t outstanding_ = 0;  // commands posted and not yet answered
  bool closing_ = false;
  bool released_ = false;
};

}  // namespace nodeswitch
