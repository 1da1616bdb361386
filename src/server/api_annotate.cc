// Annotations and annotation protocols.
#include <cstdlib>

#include "engine/protocol.h"
#include "server/annotate.h"
#include "server/api.h"
#include "server/requests.h"
#include "server/views.h"

namespace centaur::server {

Result<ApiReply> HandlePostAnnotation(ApiContext& ctx) {
  CENTAUR_ASSIGN_OR_RETURN(AnnotationRequest req, ParseAnnotationRequest(ctx.request->body));
  CENTAUR_ASSIGN_OR_RETURN(AnnotateOutcome outcome,
                           RecordAnnotation(ctx.store, req, ctx.options->annotator));
  // Gold labels may have changed: filtered result lists are stale.
  ctx.index->Invalidate();
  return ApiReply{Json{{"annotation", AnnotationView(outcome.annotation)},
                       {"gold", outcome.gold ? Json(*outcome.gold) : Json()}},
                  201};
}

Result<ApiReply> HandleGetProtocol(ApiContext& ctx) {
  const std::string& task = ctx.params.at(0);
  CENTAUR_ASSIGN_OR_RETURN(std::vector<ProtocolVersion> versions,
                           ctx.store->ListProtocolVersions(task));
  Json all = Json::array();
  for (const ProtocolVersion& v : versions) all.push_back(ProtocolView(v));
  return ApiReply{Json{{"task", task},
                       {"current", versions.empty() ? Json() : ProtocolView(versions.back())},
                       {"versions", std::move(all)}}};
}

Result<ApiReply> HandleAppendProtocol(ApiContext& ctx) {
  const std::string& task = ctx.params.at(0);
  CENTAUR_ASSIGN_OR_RETURN(ProtocolAppendRequest req,
                           ParseProtocolAppendRequest(ctx.request->body));
  const std::string& author = req.author.empty() ? ctx.options->annotator : req.author;
  CENTAUR_ASSIGN_OR_RETURN(ProtocolVersion v,
                           AppendProtocolRule(ctx.store, task, req.rule, author));
  return ApiReply{ProtocolView(v), 201};
}

}  // namespace centaur::server
