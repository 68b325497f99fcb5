#include "gateway/serve.h"

#include <pthread.h>

#include <utility>

#include "common/log.h"
#include "gateway/http_server.h"
#include "gateway/s3_handlers.h"

namespace shale::gateway {

Result<std::unique_ptr<S3Endpoint>> S3Endpoint::Start(ObjectStore* store,
                                                      S3EndpointOptions options) {
  if (options.tls_cert.empty() != options.tls_key.empty()) {
    return Status::InvalidArgument("--tls-cert and --tls-key go together");
  }
  auto endpoint = std::make_unique<S3Endpoint>(Token());
  endpoint->options_ = std::move(options);
  const S3EndpointOptions& o = endpoint->options_;

  S3HandlersOptions ho;
  ho.region = o.region;
  ho.users = o.users;
  ho.multipart_min_part_size = o.multipart_min_part_size;
  endpoint->handlers_ = std::make_unique<S3Handlers>(store, std::move(ho));

  HttpServerOptions so;
  so.listen = o.listen;
  so.domain = o.domain;
  so.region = o.region;
  so.tls_cert = o.tls_cert;
  so.tls_key = o.tls_key;
  so.users = o.users;
  so.metrics = &endpoint->metrics_;
  if (!o.admin.nodes.empty()) {
    AdminApiOptions ao = o.admin;
    ao.metrics = &endpoint->metrics_;
    endpoint->admin_ = std::make_unique<AdminApi>(std::move(ao));
  }
  S3Handlers* handlers = endpoint->handlers_.get();
  AdminApi* admin = endpoint->admin_.get();
  S3Handler handler = [handlers, admin](S3Request& request, S3ResponseWriter& response) {
    if (admin != nullptr && AdminApi::Claims(request)) return admin->Handle(request, response);
    return handlers->Handle(request, response);
  };
  SHALE_ASSIGN_OR_RETURN(endpoint->server_, HttpServer::Start(std::move(so), std::move(handler)));
  return endpoint;
}

S3Endpoint::S3Endpoint(Token) {}

S3Endpoint::~S3Endpoint() { Shutdown(); }

uint16_t S3Endpoint::port() const { return server_->port(); }

std::string S3Endpoint::url() const {
  std::string host = options_.listen.substr(0, options_.listen.rfind(':'));
  if (host.find(':') != std::string::npos && host.front() != '[') host = "[" + host + "]";
  if (host == "0.0.0.0") host = "127.0.0.1";  // Reachable locally; the bind is on every address.
  if (host == "[::]") host = "[::1]";
  return std::string(options_.tls_cert.empty() ? "http" : "https") + "://" + host + ":" +
         std::to_string(port());
}

void S3Endpoint::Shutdown() {
  if (stopped_ || server_ == nullptr) return;
  stopped_ = true;
  server_->Shutdown();
  server_->Wait();
}

StopSignals::StopSignals() {
  sigemptyset(&set_);
  sigaddset(&set_, SIGTERM);
  sigaddset(&set_, SIGINT);
  pthread_sigmask(SIG_BLOCK, &set_, nullptr);
}

int StopSignals::Wait() {
  int sig = 0;
  while (sigwait(&set_, &sig) != 0) {
  }
  return sig;
}

}  // namespace shale::gateway
