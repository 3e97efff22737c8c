output "release" {
  description = "The Helm release's name, namespace and revision"
  value = {
    name      = helm_release.arena.name
    namespace = helm_release.arena.namespace
    revision  = helm_release.arena.metadata[0].revision
  }
}

output "gateway_service" {
  description = "The Service clients reach the WebSocket gateways through"
  value       = "${helm_release.arena.namespace}/${var.release_name == "arena" ? "arena" : "${var.release_name}-arena"}-gateway"
}
