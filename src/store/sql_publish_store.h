// SqlPublishStore: the one implementation of store::PublishStore, over the
// same SQL layer, pool and transaction helpers as SqlStore (which owns it and
// hands it out as Store::publish()).
#pragma once

#include <string>
#include <vector>

#include "leitplanke/store/publish_store.h"

#include "store/sql/connection.h"

namespace leitplanke::store {

class SqlStore;

class SqlPublishStore final : public PublishStore {
 public:
  // `store` outlives this object (it owns it).
  SqlPublishStore(SqlStore& store, sql::Dialect dialect) : store_(store), dialect_(dialect) {}

  Result<Post> CreatePost(Post post) override;
  Result<Post> GetPost(int64_t id) override;
  Result<Post> UpdatePost(const Post& post) override;
  Result<std::vector<Post>> ListPosts(const PostQuery& query) override;

  Result<Asset> CreateAsset(Asset asset) override;
  Result<Asset> GetAsset(int64_t id) override;
  Result<std::vector<Asset>> ListAssets(int32_t limit) override;
  Result<MediaFile> PutMediaFile(MediaFile file) override;
  Result<MediaFile> GetMediaFile(std::string_view sha256) override;
  Result<Asset> CreateFileAsset(Asset asset, MediaFile file) override;
  Result<Asset> UpdateAsset(const Asset& asset) override;
  Status DeleteAsset(int64_t id) override;

  Result<std::vector<PostVariant>> ClaimDueVariants(std::string_view claimer, Millis now,
                                                    Millis lease_ms, int32_t limit) override;
  Status CompleteVariant(int64_t variant_id, std::string_view external_id, Millis at,
                         const ArchiveSealer& seal = nullptr) override;
  Status FailVariant(int64_t variant_id, std::string_view error, Millis retry_at,
                     Millis at) override;
  Result<Post> HoldPost(int64_t post_id, std::string_view reason, Millis at) override;

  Result<PostShare> AddShare(PostShare share) override;
  Result<std::vector<PostShare>> ListShares(int64_t post_id, int64_t user_id,
                                            int32_t limit) override;

  Status AddNotifications(const std::vector<Notification>& notifications) override;
  Result<std::vector<Notification>> ListNotifications(int64_t user_id, bool unread_only,
                                                      int32_t limit) override;
  Status MarkNotificationRead(int64_t id, int64_t user_id, Millis at) override;

  Result<int64_t> PurgePosts(Millis before) override;
  Result<int64_t> PurgeNotifications(Millis before) override;

 private:
  Result<Post> SelectPost(sql::Connection& conn, int64_t id, bool lock) const;
  Status LoadVariants(sql::Connection& conn, std::vector<Post>& posts) const;
  Status InsertVariant(sql::Connection& conn, int64_t post_id, const PostVariant& v,
                       Millis now) const;
  // Replaces the variant's media links.
  Status PutVariantAssets(sql::Connection& conn, int64_t variant_id,
                          const std::vector<int64_t>& asset_ids) const;
  Result<MediaFile> PutFile(sql::Connection& conn, MediaFile file) const;
  Result<Asset> InsertAsset(sql::Connection& conn, Asset a) const;
  // After a variant finished: the post is sent (or failed) once none is
  // pending or sending.
  Status SettlePost(sql::Connection& conn, int64_t post_id, Millis at) const;
  Status AppendArchive(sql::Connection& conn, const PostVariant& v, const Post& p, Millis at,
                       const ArchiveSealer& seal) const;

  SqlStore& store_;
  const sql::Dialect dialect_;
};

}  // namespace leitplanke::store
