#include "arena/botpolicy/grpc_brain.hpp"

#include <grpcpp/grpcpp.h>

#include <boost/json.hpp>

#include <condition_variable>
#include <mutex>

#include "arena/bot/v1/policy.grpc.pb.h"

namespace arena::botpolicy {
namespace json = boost::json;
namespace pb = arena::bot::v1;

struct PolicyClient::Impl {
  std::shared_ptr<grpc::Channel> channel;
  std::unique_ptr<pb::Policy::Stub> stub;
  std::chrono::milliseconds deadline;
  // Calls still in flight: the channel must outlive them, so the client waits for them.
  std::mutex mu;
  std::condition_variable idle;
  int in_flight = 0;
};

namespace {

// One request in flight; shared with gRPC's completion callback, which may run after the
// brain is gone.
struct Call {
  grpc::ClientContext ctx;
  pb::DecideRequest req;
  pb::DecideReply reply;
  std::mutex mu;
  bool done = false;
  bool ok = false;
};

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
    if (call_) call_->ctx.TryCancel();
  }

  json::value decide(const match::GameMode& game, int seat) override {
    json::value out;
    bool have = false;
    bool in_flight = false;
    if (call_) {
      std::lock_guard lock(call_->mu);
      if (!call_->done) {
        in_flight = true;  // still waiting: the fallback decides this tick
      } else if (call_->ok) {
        have = true;
        if (!call_->reply.input_json().empty()) {
          boost::system::error_code ec;
          out = json::parse(call_->reply.input_json(), ec);
          if (ec) out = nullptr;  // a policy that answers nonsense moves nothing
        }
      }
    }
    if (have) {
      stats_.answered.fetch_add(1, std::memory_order_relaxed);
    } else {
      if (call_ || in_flight) stats_.fallbacks.fetch_add(1, std::memory_order_relaxed);
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
    call->req.set_state_json(json::serialize(game.snapshot()));
    {
      std::lock_guard lock(client_->mu);
      ++client_->in_flight;
    }
    client_->stub->async()->Decide(&call->ctx, &call->req, &call->reply,
                                   [call, client = client_.get()](grpc::Status status) {
                                     {
                                       std::lock_guard lock(call->mu);
                                       call->done = true;
                                       call->ok = status.ok();
                                     }
                                     std::lock_guard lock(client->mu);
                                     if (--client->in_flight == 0) client->idle.notify_all();
                                   });
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

PolicyClient::PolicyClient(const std::string& target, std::chrono::milliseconds deadline)
    : impl_(std::make_shared<Impl>()) {
  impl_->channel = grpc::CreateChannel(target, grpc::InsecureChannelCredentials());
  impl_->stub = pb::Policy::NewStub(impl_->channel);
  impl_->deadline = deadline;
}

PolicyClient::~PolicyClient() {
  // Brains cancel their calls when they go; wait (bounded) for the cancellations to land.
  std::unique_lock lock(impl_->mu);
  impl_->idle.wait_for(lock, impl_->deadline + std::chrono::seconds(2), [&] { return impl_->in_flight == 0; });
}

std::unique_ptr<match::BotBrain> PolicyClient::brain(std::string match_id, std::string game,
                                                     std::unique_ptr<match::BotBrain> fallback) {
  return std::make_unique<GrpcBrain>(impl_, stats_, std::move(match_id), std::move(game), std::move(fallback));
}

}  // namespace arena::botpolicy
