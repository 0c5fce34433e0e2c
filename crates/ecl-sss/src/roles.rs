//! A user's role on a tenant (`ecl-sss.md` §2.4).

use crate::client::EclSssClient;
use crate::ids::{TenantId, UserId};
use crate::models::Role;
use serde::de::IgnoredAny;
use serde::Serialize;
use tenantry_core::pipeline::Decl;
use tenantry_core::Result;

const CREATE: Decl = Decl::post("ecl-sss.create_role", "/roles");
const DELETE: Decl = Decl::delete(
    "ecl-sss.delete_role",
    "/roles/tenants/{tenant_id}/users/{user_id}",
);

/// Role assignments. From [`EclSssClient::roles`].
#[derive(Debug, Clone, Copy)]
pub struct RolesHandler<'a> {
    pub(crate) client: &'a EclSssClient,
}

#[derive(Serialize)]
struct NewRole<'b> {
    user_id: &'b UserId,
    tenant_id: &'b TenantId,
}

impl RolesHandler<'_> {
    /// `POST /roles`: gives `user` access to `tenant`.
    pub async fn create(&self, user: &UserId, tenant: &TenantId) -> Result<Role> {
        let body = NewRole {
            user_id: user,
            tenant_id: tenant,
        };
        self.client.pipeline.call(&CREATE.op().json(&body)).await
    }

    /// `DELETE /roles/tenants/{tenant}/users/{user}`: takes `user`'s access
    /// to `tenant` away (same argument order as [`create`](Self::create),
    /// unlike the reference's `delete_role(tenant_id, user_id)`); a 404 is
    /// an error.
    pub async fn delete(&self, user: &UserId, tenant: &TenantId) -> Result<()> {
        let _: IgnoredAny = self
            .client
            .pipeline
            .call(
                &DELETE
                    .op()
                    .param("tenant_id", tenant.as_str())
                    .param("user_id", user.as_str()),
            )
            .await?;
        Ok(())
    }
}
