{
  # The test-only addon: its own directory and build/, so that a production install
  # (the root binding.gyp) neither builds nor ships it. The native pieces under test
  # are compiled from native/ with the production flags.
  "targets": [
    {
      "target_name": "nodeswitch_testing",
      "sources": [
        "../../native/parse/flow_key.cc",
        "../../native/table/masked_words.cc",
        "../../native/table/prefix_trie.cc",
        "../../native/table/classifier.cc",
        "../../native/table/microflow_cache.cc",
        "../../native/pcap/pcap_reader.cc",
        "../../native/pcap/pcap_writer.cc",
        "../../native/port/pcap_port.cc",
        "../../native/dp/poll_mode.cc",
        "classifier_testing_js.cc",
        "pcap_testing_js.cc",
        "poll_policy_testing_js.cc",
        "init.cc"
      ],
      "include_dirs": ["<!(node -p \"require('node-addon-api').include_dir\")", "../../native"],
      "defines": ["NAPI_VERSION=8", "NODE_ADDON_API_DISABLE_DEPRECATED"],
      "cflags!": ["-fno-exceptions"],
      "cflags_cc!": ["-fno-exceptions", "-fno-rtti"],
      "cflags_cc": ["-std=c++17", "-O2", "-fvisibility=hidden", "-fno-semantic-interposition", "-Wall", "-Wextra", "-Wno-unused-parameter", "-Wno-missing-field-initializers"],
      "cflags": ["-O2"],
      "conditions": [["OS!='linux'", {"type": "none"}]]
    }
  ]
}
