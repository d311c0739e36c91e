#include "dp/upcalls.h"

#include <cstring>

#include "core/checksum.h"

namespace nodeswitch {

void Upcalls::send(const Packet* p, const FlowKey& key, const OfAction& op) {
  uint32_t len = op.max_len < p->len ? op.max_len : p->len;
  if (file_) {
    counters_.upcalls++;
    file_->write(p->data, len, p->ts_ns);
    return;
  }
  if (tokens_ == 0 || burst_.size() >= queue_max_) {
    counters_.upcall_drops++;
    return;
  }
  tokens_--;
  counters_.upcalls++;
  uint8_t* data = burst_.append(key.in_port, op.reason, op.table, op.cookie, p->len, len);
  std::memcpy(data, p->data, len);
  // Partial checksums are finished first: the controller sees the frame as the wire would.
  if (p->vnet.flags & VIRTIO_NET_HDR_F_NEEDS_CSUM) {
    Packet copy = *p;
    copy.data = data;
    copy.len = len;
    finish_checksum(&copy);
  }
}

void Upcalls::publish_burst() {
  counters_.upcall_drops += outbox_.upcalls(burst_, queue_max_);
  burst_.clear();
}

void Upcalls::set_limits(uint32_t queue, uint32_t rate_per_second) {
  queue_max_ = queue;
  // A new rate applies at once, to what is left of this second's budget too.
  if (rate_per_second > rate_) tokens_ += rate_per_second - rate_;
  rate_ = rate_per_second;
  if (tokens_ > rate_) tokens_ = rate_;
}

}  // namespace nodeswitch
