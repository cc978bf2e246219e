#include "kube/http_kube_client.h"

#include "kube/kube_errors.h"
#include "kube/watch_decoder.h"

namespace piherd::kube {
namespace {

std::string metadataField(const Json& object, const char* key) {
  if (!object.is_object() || !object.contains("metadata")) return "";
  const Json& md = object["metadata"];
  if (!md.is_object() || !md.contains(key) || !md[key].is_string()) return "";
  return md[key].get<std::string>();
}

// The object's own namespace when the caller gave none.
std::string_view namespaceFor(const Resource& r, std::string_view ns, const std::string& own) {
  return (r.namespaced && ns.empty()) ? std::string_view(own) : ns;
}

// The path of the object itself (or its subresource): it must have a name.
Result<std::string> objectPath(const Resource& r, std::string_view ns, const Json& object,
                               std::string_view subresource = "") {
  const std::string name = metadataField(object, "name");
  if (name.empty()) {
    return makeError(ErrorCode::kInvalidArgument, r.plural + ": the object has no metadata.name");
  }
  return resourcePath(r, namespaceFor(r, ns, metadataField(object, "namespace")), name,
                      subresource);
}

class Query {
 public:
  Query& add(std::string_view key, std::string_view value) {
    if (value.empty()) return *this;
    text_ += text_.empty() ? '?' : '&';
    text_ += std::string(key) + "=" + urlEncode(value);
    return *this;
  }
  const std::string& text() const { return text_; }

 private:
  std::string text_;
};

}  // namespace

Result<std::unique_ptr<HttpKubeClient>> HttpKubeClient::create(const KubeConfig& config,
                                                               const Timeouts& timeouts) {
  Result<std::unique_ptr<ApiConnection>> connection = ApiConnection::create(config, timeouts);
  if (!connection) return tl::unexpected(connection.error());
  return std::unique_ptr<HttpKubeClient>(new HttpKubeClient(std::move(*connection), timeouts));
}

Result<std::unique_ptr<HttpKubeClient>> HttpKubeClient::fromKubeconfig(const std::string& path,
                                                                       const Timeouts& timeouts) {
  Result<KubeConfig> config = loadKubeconfig(path);
  if (!config) return tl::unexpected(config.error());
  return create(*config, timeouts);
}

Result<Json> HttpKubeClient::call(const std::string& method, const std::string& target,
                                  const Json* body, const std::string& contentType) {
  Result<HttpReply> reply =
      connection_->request(method, target, body ? body->dump() : "", contentType);
  if (!reply) return tl::unexpected(reply.error());
  const std::string what = method + " " + target;
  if (reply->status < 200 || reply->status > 299) {
    return tl::unexpected(errorFromResponse(what, reply->status, reply->body));
  }
  if (reply->body.empty()) return Json();  // 204, or a DELETE answered without a body
  Json parsed = Json::parse(reply->body, nullptr, /*allow_exceptions=*/false);
  if (parsed.is_discarded()) {
    return makeError(ErrorCode::kInternal, what + ": response is not JSON");
  }
  return parsed;
}

Result<std::string> HttpKubeClient::getRaw(const std::string& path) {
  Result<HttpReply> reply = connection_->request("GET", path);
  if (!reply) return tl::unexpected(reply.error());
  if (reply->status < 200 || reply->status > 299) {
    return tl::unexpected(errorFromResponse("GET " + path, reply->status, reply->body));
  }
  return reply->body;
}

Result<Json> HttpKubeClient::get(const Resource& r, std::string_view ns, std::string_view name) {
  if (name.empty()) return makeError(ErrorCode::kInvalidArgument, r.plural + ": no name given");
  Result<std::string> path = resourcePath(r, ns, name);
  if (!path) return tl::unexpected(path.error());
  return call("GET", *path, nullptr, "");
}

Result<ObjectList> HttpKubeClient::list(const Resource& r, std::string_view ns,
                                        const ListOptions& options) {
  Result<std::string> path = resourcePath(r, ns);
  if (!path) return tl::unexpected(path.error());
  Query q;
  q.add("labelSelector", options.labelSelector)
      .add("fieldSelector", options.fieldSelector)
      .add("limit", options.limit > 0 ? std::to_string(options.limit) : "")
      .add("continue", options.continueToken)
      .add("resourceVersion", options.resourceVersion);
  Result<Json> body = call("GET", *path + q.text(), nullptr, "");
  if (!body) return tl::unexpected(body.error());
  if (!body->is_object() || !body->contains("items") || !(*body)["items"].is_array()) {
    return makeError(ErrorCode::kInternal, "GET " + *path + ": not a list");
  }
  ObjectList out;
  out.resourceVersion = metadataField(*body, "resourceVersion");
  out.continueToken = metadataField(*body, "continue");
  // The API leaves apiVersion and kind out of list items; put them back, as client-go does.
  std::string kind = body->value("kind", "");
  if (kind.size() > 4 && kind.ends_with("List")) kind.resize(kind.size() - 4);
  for (Json& item : (*body)["items"]) {
    if (item.is_object()) {
      if (!item.contains("apiVersion")) item["apiVersion"] = r.apiVersion();
      if (!item.contains("kind") && !kind.empty()) item["kind"] = kind;
    }
    out.items.push_back(std::move(item));
  }
  return out;
}

Status HttpKubeClient::watch(const Resource& r, std::string_view ns, const WatchOptions& options,
                             const WatchHandler& handler) {
  Result<std::string> path = resourcePath(r, ns);
  if (!path) return tl::unexpected(path.error());
  Query q;
  q.add("watch", "true")
      .add("resourceVersion", options.resourceVersion)
      .add("allowWatchBookmarks", options.allowBookmarks ? "true" : "")
      .add("timeoutSeconds",
           options.timeoutSeconds > 0 ? std::to_string(options.timeoutSeconds) : "")
      .add("labelSelector", options.labelSelector)
      .add("fieldSelector", options.fieldSelector);
  const std::string target = *path + q.text();
  const std::string what = "watch " + target;
  if (options.stop != nullptr && options.stop->requested()) return okStatus();
  WatchDecoder decoder(what, handler);
  // The server ends the stream after timeoutSeconds; a read waits at most that plus the
  // ordinary read timeout (bookmarks and events arrive well within it on a live stream).
  const auto readTimeout =
      std::chrono::milliseconds(std::max(options.timeoutSeconds, 0) * 1000) + timeouts_.read;
  ApiConnection::StreamResult res = connection_->stream(
      target, readTimeout,
      [&](const char* data, size_t n) {
        // A stop that came before the stream was cancellable ends it at the next bytes.
        if (options.stop != nullptr && options.stop->requested()) return false;
        return decoder.feed({data, n});
      },
      [&](std::function<void()> cancel) {
        if (options.stop == nullptr) return;
        if (cancel) {
          options.stop->attach(std::move(cancel));
        } else {
          options.stop->detach();
        }
      });
  if (options.stop != nullptr && options.stop->requested()) return okStatus();
  if (decoder.error()) return tl::unexpected(*decoder.error());
  if (decoder.stoppedByHandler()) return okStatus();
  if (res.status != 0 && res.status != 200) {
    return tl::unexpected(errorFromResponse(what, res.status, res.errorBody));
  }
  if (res.transportError) {
    Error e = *res.transportError;
    if (std::optional<Error> partial = decoder.finish()) e.message += "; " + partial->message;
    return tl::unexpected(e);
  }
  if (std::optional<Error> partial = decoder.finish()) return tl::unexpected(*partial);
  return okStatus();
}

Result<Json> HttpKubeClient::create(const Resource& r, std::string_view ns, const Json& object) {
  Result<std::string> path =
      resourcePath(r, namespaceFor(r, ns, metadataField(object, "namespace")));
  if (!path) return tl::unexpected(path.error());
  return call("POST", *path, &object, "application/json");
}

Result<Json> HttpKubeClient::update(const Resource& r, std::string_view ns, const Json& object) {
  Result<std::string> path = objectPath(r, ns, object);
  if (!path) return tl::unexpected(path.error());
  return call("PUT", *path, &object, "application/json");
}

Result<Json> HttpKubeClient::apply(const Resource& r, std::string_view ns, const Json& object,
                                   const ApplyOptions& options) {
  if (!object.is_object() || !object.contains("apiVersion") || !object.contains("kind")) {
    return makeError(ErrorCode::kInvalidArgument, "apply: the object needs apiVersion and kind");
  }
  Result<std::string> path = objectPath(r, ns, object);
  if (!path) return tl::unexpected(path.error());
  Query q;
  q.add("fieldManager", options.fieldManager).add("force", options.force ? "true" : "");
  // JSON is YAML: the apply content type takes either.
  return call("PATCH", *path + q.text(), &object, "application/apply-patch+yaml");
}

Result<Json> HttpKubeClient::updateStatus(const Resource& r, std::string_view ns,
                                          const Json& object) {
  Result<std::string> path = objectPath(r, ns, object, "status");
  if (!path) return tl::unexpected(path.error());
  return call("PUT", *path, &object, "application/json");
}

Status HttpKubeClient::remove(const Resource& r, std::string_view ns, std::string_view name) {
  if (name.empty()) return makeError(ErrorCode::kInvalidArgument, r.plural + ": no name given");
  Result<std::string> path = resourcePath(r, ns, name);
  if (!path) return tl::unexpected(path.error());
  Result<Json> gone = call("DELETE", *path, nullptr, "");
  if (!gone) return tl::unexpected(gone.error());
  return okStatus();
}

}  // namespace piherd::kube
