#include "leitplanke/trust/permissions.h"

#include <array>
#include <utility>

namespace leitplanke::trust {
namespace {

constexpr std::array<std::pair<Role, std::string_view>, 6> kRoles = {{
    {Role::kAdmin, "admin"},
    {Role::kCompliance, "compliance"},
    {Role::kApprover, "approver"},
    {Role::kPublisher, "publisher"},
    {Role::kAgent, "agent"},
    {Role::kAdvocate, "advocate"},
}};

constexpr std::array<std::pair<Permission, std::string_view>, 18> kPermissions = {{
    {Permission::kCheck, "check"},
    {Permission::kPolicyRead, "policy:read"},
    {Permission::kPolicyWrite, "policy:write"},
    {Permission::kUsersRead, "users:read"},
    {Permission::kUsersWrite, "users:write"},
    {Permission::kTeamsRead, "teams:read"},
    {Permission::kTeamsWrite, "teams:write"},
    {Permission::kAuditRead, "audit:read"},
    {Permission::kVaultWrite, "vault:write"},
    {Permission::kOwnAccount, "account"},
    {Permission::kDeskRead, "desk:read"},
    {Permission::kDeskReply, "desk:reply"},
    {Permission::kDeskAdmin, "desk:admin"},
    {Permission::kDeskReports, "desk:reports"},
    {Permission::kApprovals, "approvals"},
    {Permission::kPostsRead, "posts:read"},
    {Permission::kPostsWrite, "posts:write"},
    {Permission::kAdvocacy, "advocacy"},
}};

PermissionSet Of(std::initializer_list<Permission> ps) {
  PermissionSet set;
  for (Permission p : ps) set.Add(p);
  set.Add(Permission::kOwnAccount);
  return set;
}

}  // namespace

std::string_view RoleName(Role role) {
  for (const auto& [r, name] : kRoles) {
    if (r == role) return name;
  }
  return "unknown";
}

Result<Role> ParseRole(std::string_view name) {
  for (const auto& [r, n] : kRoles) {
    if (n == name) return r;
  }
  return Status::InvalidArgument(
      "unknown role \"" + std::string(name) +
      "\" (known: admin, compliance, approver, publisher, agent, advocate)");
}

Result<std::vector<Role>> ParseRoles(const std::vector<std::string>& names) {
  std::vector<Role> roles;
  for (const auto& name : names) {
    LP_ASSIGN_OR_RETURN(Role r, ParseRole(name));
    bool seen = false;
    for (Role x : roles) seen = seen || x == r;
    if (!seen) roles.push_back(r);
  }
  return roles;
}

std::vector<std::string> RoleNames(const std::vector<Role>& roles) {
  std::vector<std::string> out;
  for (Role r : roles) out.emplace_back(RoleName(r));
  return out;
}

const std::vector<Role>& AllRoles() {
  static const auto* all = [] {
    auto* v = new std::vector<Role>;
    for (const auto& entry : kRoles) v->push_back(entry.first);
    return v;
  }();
  return *all;
}

std::string_view PermissionName(Permission p) {
  for (const auto& [q, name] : kPermissions) {
    if (q == p) return name;
  }
  return "unknown";
}

Result<Permission> ParsePermission(std::string_view name) {
  for (const auto& [p, n] : kPermissions) {
    if (n == name) return p;
  }
  std::string known;
  for (const auto& entry : kPermissions) {
    if (!known.empty()) known += ", ";
    known += entry.second;
  }
  return Status::InvalidArgument("unknown permission \"" + std::string(name) +
                                 "\" (known: " + known + ")");
}

const std::vector<Permission>& AllPermissions() {
  static const auto* all = [] {
    auto* v = new std::vector<Permission>;
    for (const auto& entry : kPermissions) v->push_back(entry.first);
    return v;
  }();
  return *all;
}

PermissionSet PermissionSet::All() {
  PermissionSet set;
  for (Permission p : AllPermissions()) set.Add(p);
  return set;
}

std::vector<Permission> PermissionSet::ToVector() const {
  std::vector<Permission> out;
  for (Permission p : AllPermissions()) {
    if (Has(p)) out.push_back(p);
  }
  return out;
}

std::vector<std::string> PermissionSet::Names() const {
  std::vector<std::string> out;
  for (Permission p : ToVector()) out.emplace_back(PermissionName(p));
  return out;
}

PermissionSet RolePermissions(Role role) {
  using P = Permission;
  switch (role) {
    case Role::kAdmin:
      return PermissionSet::All();
    case Role::kCompliance:
      return Of({P::kCheck, P::kPolicyRead, P::kPolicyWrite, P::kAuditRead, P::kUsersRead,
                 P::kTeamsRead, P::kDeskRead, P::kDeskReports, P::kApprovals, P::kPostsRead});
    case Role::kApprover:
      return Of({P::kCheck, P::kPolicyRead, P::kTeamsRead, P::kDeskRead, P::kDeskReports,
                 P::kApprovals, P::kPostsRead});
    case Role::kPublisher:
      return Of({P::kCheck, P::kPolicyRead, P::kPostsRead, P::kPostsWrite, P::kAdvocacy});
    case Role::kAgent:
      return Of({P::kCheck, P::kPolicyRead, P::kDeskRead, P::kDeskReply});
    case Role::kAdvocate:
      return Of({P::kCheck, P::kAdvocacy});
  }
  return PermissionSet();
}

PermissionSet PermissionsOf(const std::vector<Role>& roles) {
  PermissionSet set;
  for (Role r : roles) set = set.Union(RolePermissions(r));
  return set;
}

bool HasPermission(const std::vector<Role>& roles, Permission p) {
  return PermissionsOf(roles).Has(p);
}

Result<PermissionSet> ParseScopes(const std::vector<std::string>& scopes) {
  PermissionSet set;
  for (const auto& s : scopes) {
    LP_ASSIGN_OR_RETURN(Permission p, ParsePermission(s));
    set.Add(p);
  }
  return set;
}

}  // namespace leitplanke::trust
