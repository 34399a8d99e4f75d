// A TaskManager's registration is a peer's bytes (issue 12: untrusted bytes): sent over real gRPC to a
// JobManagerServer on loopback, a registration whose fields are out of range is refused with a reason that
// names the field, and nothing is registered; a well-formed one is accepted.
#include <string>

#include <grpcpp/grpcpp.h>
#include <gtest/gtest.h>

#include "weir/cluster/rpc/cluster.grpc.pb.h"
#include "weir/cluster/rpc/job_manager_server.h"

namespace weir::cluster::rpc {
namespace {

class TaskManagerRegistration : public ::testing::Test {
 protected:
  TaskManagerRegistration() {
    Configuration conf;
    conf.set("jobmanager.rpc.address", "127.0.0.1");
    conf.set("jobmanager.rpc.port", "0");
    jm_ = std::make_unique<JobManagerServer>(conf);
    stub_ = weir::rpc::JobManagerService::NewStub(
        grpc::CreateChannel(jm_->address(), grpc::InsecureChannelCredentials()));
  }
  ~TaskManagerRegistration() override { jm_->shutdown(); }

  static weir::rpc::RegisterTaskManagerRequest good() {
    weir::rpc::RegisterTaskManagerRequest r;
    r.set_task_manager_id("tm-1");
    r.set_rpc_address("127.0.0.1:6124");
    r.set_data_port(6125);
    r.set_num_slots(2);
    return r;
  }
  weir::rpc::RegisterTaskManagerResponse send(const weir::rpc::RegisterTaskManagerRequest& r) {
    grpc::ClientContext ctx;
    ctx.set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(30));
    weir::rpc::RegisterTaskManagerResponse resp;
    EXPECT_TRUE(stub_->RegisterTaskManager(&ctx, r, &resp).ok());
    return resp;
  }
  int registered() {
    grpc::ClientContext ctx;
    ctx.set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(30));
    weir::rpc::ListTaskManagersRequest req;
    weir::rpc::ListTaskManagersResponse resp;
    EXPECT_TRUE(stub_->ListTaskManagers(&ctx, req, &resp).ok());
    return resp.task_managers_size();
  }

  std::unique_ptr<JobManagerServer> jm_;
  std::unique_ptr<weir::rpc::JobManagerService::Stub> stub_;
};

TEST_F(TaskManagerRegistration, FieldsOutOfRangeAreRefusedNamingTheFieldAndNothingIsRegistered) {
  struct Case {
    const char* what;
    void (*spoil)(weir::rpc::RegisterTaskManagerRequest&);
    const char* reason;
  };
  const Case cases[] = {
      {"no slots", [](auto& r) { r.set_num_slots(0); }, "at least one slot"},
      {"more slots than a TaskManager may have", [](auto& r) { r.set_num_slots(INT32_MAX); },
       "at most 4096 slots (taskmanager.numberOfTaskSlots), not 2147483647"},
      {"an id of 1000 characters", [](auto& r) { r.set_task_manager_id(std::string(1000, 'x')); },
       "a TaskManager id has at most 128 characters, not 1000"},
      {"an address of 300 characters", [](auto& r) { r.set_rpc_address(std::string(300, 'a')); },
       "an RPC address has at most 255 characters, not 300"},
      {"a data port past 65535", [](auto& r) { r.set_data_port(70000); },
       "data port 70000 is not a TCP port"},
      {"a negative data port", [](auto& r) { r.set_data_port(-1); }, "data port -1 is not a TCP port"},
  };
  for (const auto& c : cases) {
    auto r = good();
    c.spoil(r);
    auto resp = send(r);
    EXPECT_FALSE(resp.accepted()) << c.what;
    EXPECT_NE(resp.reason().find(c.reason), std::string::npos) << c.what << ": " << resp.reason();
  }
  EXPECT_EQ(registered(), 0);
  EXPECT_TRUE(send(good()).accepted());
  EXPECT_EQ(registered(), 1);
}

}  // namespace
}  // namespace weir::cluster::rpc
