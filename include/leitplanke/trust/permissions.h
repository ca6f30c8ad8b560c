// Roles, permissions, and which role grants what.
//
// Role and permission names are a compatibility contract (they are stored in
// users.roles and api_tokens.scopes): never rename one.
//
// Thread-safety: everything here is immutable.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "leitplanke/base/result.h"

namespace leitplanke::trust {

enum class Role { kAdmin, kCompliance, kApprover, kPublisher, kAgent, kAdvocate };

std::string_view RoleName(Role role);           // "admin", ...
Result<Role> ParseRole(std::string_view name);  // InvalidArgument names the role
Result<std::vector<Role>> ParseRoles(const std::vector<std::string>& names);
std::vector<std::string> RoleNames(const std::vector<Role>& roles);
const std::vector<Role>& AllRoles();

enum class Permission {
  kCheck,        // "check": run texts through the guard
  kPolicyRead,   // "policy:read"
  kPolicyWrite,  // "policy:write"
  kUsersRead,    // "users:read"
  kUsersWrite,   // "users:write"
  kTeamsRead,    // "teams:read"
  kTeamsWrite,   // "teams:write"
  kAuditRead,    // "audit:read"
  kVaultWrite,   // "vault:write": channel credentials
  kOwnAccount,   // "account": own profile, own tokens, own 2FA
  kDeskRead,     // "desk:read": the inbox, conversations, canned replies
  kDeskReply,    // "desk:reply": replies, notes, assignment and state changes
  kDeskAdmin,    // "desk:admin": channels, routing and SLA settings, dead letters
  kDeskReports,  // "desk:reports": team-level desk reports
  kApprovals,    // "approvals": decide on held replies and posts (four-eyes)
  kPostsRead,    // "posts:read": posts, the calendar and the channel queues
  kPostsWrite,   // "posts:write": draft, submit, schedule, cancel posts; mark them shareable
  kAdvocacy,     // "advocacy": list shareable posts and share them with one's own words
};

std::string_view PermissionName(Permission p);
Result<Permission> ParsePermission(std::string_view name);  // InvalidArgument
const std::vector<Permission>& AllPermissions();

// A set of permissions (value type).
class PermissionSet {
 public:
  PermissionSet() = default;
  static PermissionSet All();
  void Add(Permission p) { bits_ |= Bit(p); }
  bool Has(Permission p) const { return (bits_ & Bit(p)) != 0; }
  bool empty() const { return bits_ == 0; }
  PermissionSet Intersect(PermissionSet other) const { return PermissionSet(bits_ & other.bits_); }
  PermissionSet Union(PermissionSet other) const { return PermissionSet(bits_ | other.bits_); }
  std::vector<Permission> ToVector() const;
  std::vector<std::string> Names() const;
  friend bool operator==(PermissionSet a, PermissionSet b) { return a.bits_ == b.bits_; }

 private:
  explicit PermissionSet(uint32_t bits) : bits_(bits) {}
  static uint32_t Bit(Permission p) { return uint32_t{1} << static_cast<int>(p); }
  uint32_t bits_ = 0;
};

// admin: everything; compliance: check, policy read/write, audit read, users
// read, teams read, desk read and reports, approvals, posts read; approver:
// check, policy read, teams read, desk read and reports, approvals, posts
// read; publisher: check, policy read, posts read/write, advocacy; agent:
// check, policy read, desk read and reply; advocate: check, advocacy. Every
// role has kOwnAccount.
PermissionSet RolePermissions(Role role);
PermissionSet PermissionsOf(const std::vector<Role>& roles);
bool HasPermission(const std::vector<Role>& roles, Permission p);
// Scopes of an API token; InvalidArgument naming an unknown scope.
Result<PermissionSet> ParseScopes(const std::vector<std::string>& scopes);

}  // namespace leitplanke::trust
