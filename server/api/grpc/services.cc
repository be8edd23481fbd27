#include "server/api/grpc/services.h"

#include "server/api/grpc/callback_services.h"

namespace clientele::server {

std::vector<std::unique_ptr<grpc::Service>> MakeServices(const ServiceContext& context) {
  std::vector<std::unique_ptr<grpc::Service>> services;
  services.push_back(MakeCustomersService(context));
  services.push_back(MakeEventsService(context));
  services.push_back(MakeDecisionsService(context));
  services.push_back(MakeImprovementsService(context));
  services.push_back(MakeReportsService(context));
  services.push_back(MakeDiagnosticsService(context.auth));
  services.push_back(MakeRulesetsService(context));
  services.push_back(MakeAdminService(context));
  services.push_back(MakeLoyaltyService(context));
  services.push_back(MakeOffersService(context));
  services.push_back(MakeTasksService(context));
  services.push_back(MakeSegmentsService(context));
  services.push_back(MakeDraftsService(context));
  services.push_back(MakeChangeRequestsService(context));
  return services;
}

}  // namespace clientele::server
