// The nodeswitch_testing addon's export list: test-only entry points into the
// native pieces (the classifier against a model, the pcap writer and port, the
// datapath's poll policy on a test clock), built by `npm test`
// (scripts/build-testing-addon.sh) and never by a production install.
// test/helpers/native-testing.ts loads and types it. Glue only.
#include <napi.h>

#include "classifier_testing_js.h"
#include "pcap_testing_js.h"
#include "poll_policy_testing_js.h"

namespace {

Napi::Object Init(Napi::Env env, Napi::Object exports) {
  nodeswitch::register_classifier_testing(env, exports);
  nodeswitch::register_pcap_testing(env, exports);
  nodeswitch::register_poll_policy_testing(env, exports);
  return exports;
}

}  // namespace

NODE_API_MODULE(NODE_GYP_MODULE_NAME, Init)
