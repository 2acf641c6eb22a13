#include "api/http/respond.h"

#include <memory>

namespace walcast::api {

void Respond::Stream(Response head, BodyProducer producer) const {
  if (stream_) return stream_(std::move(head), std::move(producer));
  // No streaming sink (tests, or a caller that cannot stream): gather the body, then send it.
  struct Gather {
    Response response;
    BodyProducer producer;
    Send send;
    void Next(std::shared_ptr<Gather> self) {
      producer([self](std::optional<std::string> chunk) {
        if (!chunk) return self->send(std::move(self->response));
        self->response.body() += *chunk;
        self->Next(self);
      });
    }
  };
  auto gather = std::make_shared<Gather>(Gather{std::move(head), std::move(producer), send_});
  gather->response.body().clear();
  gather->Next(gather);
}

}  // namespace walcast::api
