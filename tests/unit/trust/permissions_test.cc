#include "leitplanke/trust/permissions.h"

#include <map>
#include <set>

#include <gtest/gtest.h>

namespace leitplanke::trust {
namespace {

TEST(RolesTest, NamesRoundTrip) {
  ASSERT_EQ(AllRoles().size(), 6u);
  for (Role r : AllRoles()) {
    auto parsed = ParseRole(RoleName(r));
    ASSERT_TRUE(parsed.ok()) << RoleName(r);
    EXPECT_EQ(*parsed, r);
  }
  auto bad = ParseRole("root");
  ASSERT_FALSE(bad.ok());
  EXPECT_EQ(bad.error().code(), StatusCode::kInvalidArgument);
  EXPECT_NE(bad.error().message().find("\"root\""), std::string::npos);
  EXPECT_FALSE(ParseRole("Admin").ok());  // names are exact
  auto roles = ParseRoles({"agent", "admin", "agent"});
  ASSERT_TRUE(roles.ok());
  EXPECT_EQ(RoleNames(*roles), (std::vector<std::string>{"agent", "admin"}));
  EXPECT_FALSE(ParseRoles({"agent", "boss"}).ok());
}

TEST(PermissionsTest, NamesRoundTrip) {
  std::set<std::string> names;
  for (Permission p : AllPermissions()) {
    std::string name(PermissionName(p));
    names.insert(name);
    auto parsed = ParsePermission(name);
    ASSERT_TRUE(parsed.ok()) << name;
    EXPECT_EQ(*parsed, p);
  }
  EXPECT_EQ(names.size(), AllPermissions().size());
  EXPECT_EQ(PermissionName(Permission::kPolicyWrite), "policy:write");
  EXPECT_FALSE(ParsePermission("policy:delete").ok());
}

TEST(PermissionsTest, RoleTable) {
  using P = Permission;
  const std::map<Role, std::set<P>> expected = {
      {Role::kAdmin, std::set<P>(AllPermissions().begin(), AllPermissions().end())},
      {Role::kCompliance,
       {P::kCheck, P::kPolicyRead, P::kPolicyWrite, P::kAuditRead, P::kUsersRead, P::kTeamsRead,
        P::kDeskRead, P::kDeskReports, P::kApprovals, P::kPostsRead, P::kOwnAccount}},
      {Role::kApprover,
       {P::kCheck, P::kPolicyRead, P::kTeamsRead, P::kDeskRead, P::kDeskReports, P::kApprovals,
        P::kPostsRead, P::kOwnAccount}},
      {Role::kPublisher,
       {P::kCheck, P::kPolicyRead, P::kPostsRead, P::kPostsWrite, P::kAdvocacy, P::kOwnAccount}},
      {Role::kAgent, {P::kCheck, P::kPolicyRead, P::kDeskRead, P::kDeskReply, P::kOwnAccount}},
      {Role::kAdvocate, {P::kCheck, P::kAdvocacy, P::kOwnAccount}},
  };
  for (Role r : AllRoles()) {
    for (Permission p : AllPermissions()) {
      bool want = expected.at(r).count(p) > 0;
      EXPECT_EQ(HasPermission({r}, p), want) << RoleName(r) << " " << PermissionName(p);
      EXPECT_EQ(RolePermissions(r).Has(p), want);
    }
  }
  EXPECT_FALSE(HasPermission({}, Permission::kOwnAccount));
  // Roles add up.
  EXPECT_TRUE(HasPermission({Role::kAdvocate, Role::kApprover}, Permission::kTeamsRead));
  EXPECT_FALSE(HasPermission({Role::kAdvocate, Role::kApprover}, Permission::kPolicyWrite));
}

TEST(PermissionsTest, ScopesIntersectRoles) {
  auto scopes = ParseScopes({"check", "policy:write", "users:write"});
  ASSERT_TRUE(scopes.ok());
  PermissionSet compliance = RolePermissions(Role::kCompliance);
  PermissionSet effective = compliance.Intersect(*scopes);
  EXPECT_EQ(effective.Names(), (std::vector<std::string>{"check", "policy:write"}));
  EXPECT_FALSE(ParseScopes({"check", "sudo"}).ok());
  EXPECT_TRUE(PermissionSet().empty());
  EXPECT_EQ(PermissionSet::All().ToVector().size(), AllPermissions().size());
}

}  // namespace
}  // namespace leitplanke::trust
