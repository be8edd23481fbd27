// The callback service of each proto service, one per file
// (customers_service.cc, events_service.cc, ...), with the stream reactors
// of its streaming calls; MakeServices (services.h) puts them together.
// Internal to server/api/grpc/. Each needs what `context` points to
// (everything but `auth` for Diagnostics) to outlive it. A service keeps
// no state of its own: its handlers run on many gRPC threads at once.
#ifndef CLIENTELE_SERVER_API_GRPC_CALLBACK_SERVICES_H_
#define CLIENTELE_SERVER_API_GRPC_CALLBACK_SERVICES_H_

#include <memory>

#include "server/api/grpc/services.h"

namespace clientele::server {

std::unique_ptr<grpc::Service> MakeCustomersService(const ServiceContext& context);
std::unique_ptr<grpc::Service> MakeEventsService(const ServiceContext& context);
std::unique_ptr<grpc::Service> MakeDecisionsService(const ServiceContext& context);
std::unique_ptr<grpc::Service> MakeImprovementsService(const ServiceContext& context);
std::unique_ptr<grpc::Service> MakeReportsService(const ServiceContext& context);
std::unique_ptr<grpc::Service> MakeRulesetsService(const ServiceContext& context);
std::unique_ptr<grpc::Service> MakeAdminService(const ServiceContext& context);
std::unique_ptr<grpc::Service> MakeLoyaltyService(const ServiceContext& context);
std::unique_ptr<grpc::Service> MakeOffersService(const ServiceContext& context);
std::unique_ptr<grpc::Service> MakeTasksService(const ServiceContext& context);
std::unique_ptr<grpc::Service> MakeSegmentsService(const ServiceContext& context);
std::unique_ptr<grpc::Service> MakeDraftsService(const ServiceContext& context);
std::unique_ptr<grpc::Service> MakeChangeRequestsService(const ServiceContext& context);
// Ping admits callers like every call and touches nothing else.
std::unique_ptr<grpc::Service> MakeDiagnosticsService(const Authenticator* auth);

}  // namespace clientele::server

#endif  // CLIENTELE_SERVER_API_GRPC_CALLBACK_SERVICES_H_
