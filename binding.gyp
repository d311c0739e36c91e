{
  "targets": [
    {
      "target_name": "nodeswitch",
      "sources": [
        "native/core/checksum.cc",
        "native/core/gso.cc",
        "native/parse/flow_key.cc",
        "native/table/mac_table.cc",
        "native/table/classifier.cc",
        "native/table/microflow_cache.cc",
        "native/dp/flow_table.cc",
        "native/dp/pipeline.cc",
        "native/dp/packet_edit.cc",
        "native/port/af_packet_port.cc",
        "native/port/tap_port.cc",
        "native/port/netns_walk.cc",
        "native/port/mem_port.cc",
        "native/port/port_monitor.cc",
        "native/port/pcap_port.cc",
        "native/pcap/pcap_reader.cc",
        "native/pcap/pcap_writer.cc",
        "native/dp/command_queue.cc",
        "native/dp/normal.cc",
        "native/dp/datapath.cc",
        "native/dp/datapath_ports.cc",
        "native/dp/datapath_tools.cc",
        "native/addon/flow_key_js.cc",
        "native/addon/classifier_testing_js.cc",
        "native/addon/pcap_js.cc",
        "native/addon/flow_js.cc",
        "native/addon/datapath_js.cc",
        "native/addon/datapath_tools_js.cc",
        "native/addon/init.cc"
      ],
      "include_dirs": ["<!(node -p \"require('node-addon-api').include_dir\")", "native"],
      "defines": ["NAPI_VERSION=8", "NODE_ADDON_API_DISABLE_DEPRECATED"],
      "cflags!": ["-fno-exceptions"],
      "cflags_cc!": ["-fno-exceptions", "-fno-rtti"],
      "cflags_cc": ["-std=c++17", "-O2", "-fvisibility=hidden", "-fno-semantic-interposition", "-Wall", "-Wextra", "-Wno-unused-parameter", "-Wno-missing-field-initializers"],
      "cflags": ["-O2"],
      "conditions": [["OS!='linux'", {"type": "none"}]]
    }
  ]
}
