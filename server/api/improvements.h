// The Improvements service (proto/clientele/v1/improvements.proto):
// products, and the improvement actions the rules propose from feedback
// about them, applied or dismissed by an operator. Statuses and thread
// safety as dependencies.h says.
#ifndef CLIENTELE_SERVER_API_IMPROVEMENTS_H_
#define CLIENTELE_SERVER_API_IMPROVEMENTS_H_

#include <string_view>

#include "absl/status/status.h"
#include "clientele/v1/improvements.pb.h"
#include "server/api/dependencies.h"

namespace clientele::server {

class ImprovementsApi {
 public:
  // What `dependencies` points to must outlive the ImprovementsApi.
  explicit ImprovementsApi(const ApiDependencies& dependencies)
      : store_(dependencies.store), limits_(dependencies.limits) {}

  absl::Status UpsertProduct(const v1::UpsertProductRequest& request,
                             v1::UpsertProductResponse* response);
  absl::Status GetProduct(const v1::GetProductRequest& request, v1::GetProductResponse* response);
  absl::Status ListImprovementActions(const v1::ListImprovementActionsRequest& request,
                                      v1::ListImprovementActionsResponse* response);
  absl::Status ApplyImprovementAction(const v1::DecideImprovementActionRequest& request,
                                      v1::DecideImprovementActionResponse* response);
  absl::Status DismissImprovementAction(const v1::DecideImprovementActionRequest& request,
                                        v1::DecideImprovementActionResponse* response);

 private:
  // Closes a proposed action as `status` ("applied" | "dismissed") in one
  // audited transaction; applying also makes its change to the product.
  absl::Status DecideImprovementAction(std::string_view method, std::string_view status,
                                       const v1::DecideImprovementActionRequest& request,
                                       v1::DecideImprovementActionResponse* response);

  Store* const store_;
  const RequestLimits limits_;
};

}  // namespace clientele::server

#endif  // CLIENTELE_SERVER_API_IMPROVEMENTS_H_
