#include "arena/botpolicy/grpc_brain.hpp"

#include <grpcpp/grpcpp.h>

#include <boost/json.hpp>

#include <mutex>
#include <thread>
#include <unordered_map>

#include "arena/bot/v1/policy.grpc.pb.h"

namespace arena::botpolicy {
namespace json = boost::json;
namespace pb = arena::bot::v1;

namespace {

// One request in flight. Owned by the client's table until its completion comes off the
// queue, so gRPC never outlives its context; the brain keeps a reference to read the answer.
struct Call {
  grpc::ClientContext ctx;
  pb::DecideRequest req;
  pb::DecideReply reply;
  grpc::Status status;
  std::unique_ptr<grpc::ClientAsyncResponseReader<pb::DecideReply>> rpc;
  std::mutex mu;
  bool done = false;
};

}  // namespace

// The channel, the stub and one completion queue with one thread that marks calls done (the
// classic async API: gRPC 1.51's callback API double-freed its completion queue under ASan).
struct PolicyClient::Impl {
  std::shared_ptr<grpc::Channel> channel;
  std::unique_ptr<pb::Policy::Stub> stub;
  std::chrono::milliseconds deadline;
  grpc::CompletionQueue cq;
  std::thread poller;
  std::mutex mu;
  std::unordered_map<Call*, std::shared_ptr<Call>> in_flight;

  void start(const std::shared_ptr<Call>& call) {
    {
      std::lock_guard lock(mu);
      in_flight.emplace(call.get(), call);
    }
    call->rpc = stub->PrepareAsyncDecide(&call->ctx, call->req, &cq);
    call->rpc->StartCall();
    call->rpc->Finish(&call->reply, &call->status, call.get());
  }

  void poll() {
    void* tag = nullptr;
    bool ok = false;
    while (cq.Next(&tag, &ok)) {
      std::shared_ptr<Call> call;
      {
        std::lock_guard lock(mu);
        auto it = in_flight.find(static_cast<Call*>(tag));
        if (it == in_flight.end()) continue;
        call = std::move(it->second);
        in_flight.erase(it);
      }
      std::lock_guard lock(call->mu);
      call->done = true;
      if (!ok) call->status = grpc::Status(grpc::StatusCode::CANCELLED, "completion queue shut down");
    }
  }
};

namespace {

class GrpcBrain final : public match::BotBrain {
 public:
  GrpcBrain(std::shared_ptr<PolicyClient::Impl> client, PolicyStats& stats, std::string match_id, std::string game,
            std::unique_ptr<match::BotBrain> fallback)
      : client_(std::move(client)),
        stats_(stats),
        match_id_(std::move(match_id)),
        game_(std::move(game)),
        fallback_(std::move(fallback)) {}

  ~GrpcBrain() override {
    if (call_) call_->ctx.TryCancel();  // its completion still arrives and frees it
  }

  json::value decide(const match::GameMode& game, int seat) override {
    json::value out;
    bool have = false;
    bool in_flight = false;
    if (call_) {
      std::lock_guard lock(call_->mu);
      if (!call_->done) {
        in_flight = true;  // still waiting: the fallback decides this tick
      } else if (call_->status.ok()) {
        have = true;
        if (!call_->reply.input_json().empty()) {
          boost::system::error_code ec;
          out = json::parse(call_->reply.input_json(), ec);
          if (ec) out = nullptr;  // a policy that answers nonsense moves nothing
        }
      }
    }
    if (have) {
      stats_.answered.inc();
    } else {
      if (call_) stats_.fallbacks.inc();
      out = fallback_->decide(game, seat);
    }
    if (!in_flight) send(game, seat);
    return out;
  }

 private:
  void send(const match::GameMode& game, int seat) {
    auto call = std::make_shared<Call>();
    call->ctx.set_deadline(std::chrono::system_clock::now() + client_->deadline);
    call->req.set_match_id(match_id_);
    call->req.set_game(game_);
    call->req.set_seat(seat);
    call->req.set_tick(game.tick_count());
    call->req.set_state_json(json::serialize(game.snapshot(seat)));  // what this seat may see
    client_->start(call);
    call_ = std::move(call);
  }

  std::shared_ptr<PolicyClient::Impl> client_;
  PolicyStats& stats_;
  std::string match_id_;
  std::string game_;
  std::unique_ptr<match::BotBrain> fallback_;
  std::shared_ptr<Call> call_;
};

}  // namespace

PolicyStats::PolicyStats(metrics::Registry& r)
    : answered(r.counter("game_bot_policy_answers_total", "Bot decisions the gRPC policy made in time").with({})),
      fallbacks(r.counter("game_bot_policy_fallbacks_total",
                          "Bot decisions the rule-based bot made because the policy was late or failed")
                    .with({})) {}

PolicyClient::PolicyClient(const std::string& target, std::chrono::milliseconds deadline, metrics::Registry& registry)
    : impl_(std::make_shared<Impl>()), stats_(registry) {
  impl_->channel = grpc::CreateChannel(target, grpc::InsecureChannelCredentials());
  impl_->stub = pb::Policy::NewStub(impl_->channel);
  impl_->deadline = deadline;
  impl_->poller = std::thread([impl = impl_.get()] { impl->poll(); });
}

PolicyClient::~PolicyClient() {
  // Cancel what is still out; every call completes (cancelled at worst) before Next() reports
  // the queue drained after Shutdown.
  {
    std::lock_guard lock(impl_->mu);
    for (auto& [ptr, call] : impl_->in_flight) call->ctx.TryCancel();
  }
  impl_->cq.Shutdown();
  impl_->poller.join();
}

std::unique_ptr<match::BotBrain> PolicyClient::brain(std::string match_id, std::string game,
                                                     std::unique_ptr<match::BotBrain> fallback) {
  return std::make_unique<GrpcBrain>(impl_, stats_, std::move(match_id), std::move(game), std::move(fallback));
}

}  // namespace arena::botpolicy
