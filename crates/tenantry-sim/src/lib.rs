//! Stateful in-memory simulators for tests, demos and integration tests.
//!
//! The [`kit`] provides [`SimServer`], an HTTP server that records every
//! request in a [`Journal`] and can inject [`Fault`]s, around any
//! [`axum::Router`], with bounded journal, limits, optional TLS ([`SimTls`])
//! and an HTTP control plane under `/_sim/` (see the README). On top of it
//! sit four auth servers:
//!
//! * [`CasSim`]: a CAS REST server with Shiro app logins (Etu Nexus);
//! * [`KeystoneSim`]: Keystone v3 password authentication (NTT ECL);
//! * [`KeycloakSim`]: a Keycloak token endpoint (Squonk2);
//! * [`AstakosSim`]: Synnefo's Astakos identity, quota and project service;
//! * [`EclSssSim`]: NTT ECL 2.0 SSS v1 behind its own Keystone;
//! * [`Squonk2AsSim`]: the Squonk2 Account Server behind its own Keycloak.
//!
//! ```no_run
//! # async fn demo() -> std::io::Result<()> {
//! let sims = tenantry_sim::Simulators::start_all().await?;
//! println!("{}", sims.seed_json());
//! let tgt_requests = sims.cas_server.journal().count("POST", "/cas/v1/tickets");
//! # let _ = tgt_requests;
//! # Ok(()) }
//! ```
#![cfg_attr(not(test), deny(clippy::unwrap_used, clippy::expect_used))]
#![warn(missing_docs)]

use std::sync::Arc;

pub mod astakos;
pub mod cas;
pub mod ecl_sss;
pub mod keycloak;
pub mod keystone;
pub mod kit;
pub mod squonk2_as;

pub use astakos::AstakosSim;
pub use cas::{CasApp, CasSim};
pub use ecl_sss::EclSssSim;
pub use keycloak::KeycloakSim;
pub use keystone::{CatalogEndpoint, KeystoneSim};
pub use kit::{
    Fault, FaultRule, Faults, Journal, JournalEntry, PathMatch, SimControl, SimOptions, SimServer,
    SimTls,
};
pub use squonk2_as::Squonk2AsSim;

/// The auth simulators, each running on its own local port.
#[derive(Debug)]
pub struct Simulators {
    /// The CAS state (seeded, see [`CasSim::seeded`]).
    pub cas: CasSim,
    /// The server running [`Simulators::cas`].
    pub cas_server: SimServer,
    /// The Keystone state (seeded, see [`KeystoneSim::seeded`]).
    pub keystone: KeystoneSim,
    /// The server running [`Simulators::keystone`].
    pub keystone_server: SimServer,
    /// The Keycloak state (seeded, see [`KeycloakSim::seeded`]).
    pub keycloak: KeycloakSim,
    /// The server running [`Simulators::keycloak`].
    pub keycloak_server: SimServer,
    /// The Astakos state (seeded, see [`AstakosSim::seeded`]).
    pub astakos: AstakosSim,
    /// The server running [`Simulators::astakos`].
    pub astakos_server: SimServer,
    /// The ECL SSS state (seeded, see [`EclSssSim::seeded`]); its own
    /// Keystone is on the same server.
    pub ecl_sss: EclSssSim,
    /// The server running [`Simulators::ecl_sss`].
    pub ecl_sss_server: SimServer,
    /// The Squonk2 Account Server state (seeded, see
    /// [`Squonk2AsSim::seeded`]); its own Keycloak is on the same server.
    pub squonk2_as: Squonk2AsSim,
    /// The server running [`Simulators::squonk2_as`].
    pub squonk2_as_server: SimServer,
}

impl Simulators {
    /// Start the seeded CAS, Keystone, Keycloak and Astakos simulators on
    /// `127.0.0.1`, each on a random port. Every server answers
    /// `POST /_sim/reset` and `POST /_sim/seed`.
    ///
    /// ```no_run
    /// # async fn demo() -> std::io::Result<()> {
    /// let sims = tenantry_sim::Simulators::start_all().await?;
    /// let auth_url = format!("{}/v3", sims.keystone_server.base_url());
    /// # let _ = auth_url;
    /// # Ok(()) }
    /// ```
    pub async fn start_all() -> std::io::Result<Self> {
        let cas = CasSim::seeded();
        let keystone = KeystoneSim::seeded();
        let keycloak = KeycloakSim::seeded();
        let with = |c: Arc<dyn SimControl>| SimOptions::new().control(c);
        let cas_server = SimServer::start_with(cas.router(), with(Arc::new(cas.clone()))).await?;
        let keystone_server =
            SimServer::start_with(keystone.router(), with(Arc::new(keystone.clone()))).await?;
        let keycloak_server =
            SimServer::start_with(keycloak.router(), with(Arc::new(keycloak.clone()))).await?;
        let astakos = AstakosSim::seeded();
        let astakos_server =
            SimServer::start_with(astakos.router(), with(Arc::new(astakos.clone()))).await?;
        let ecl_sss = EclSssSim::seeded();
        let ecl_sss_server =
            SimServer::start_with(ecl_sss.router(), with(Arc::new(ecl_sss.clone()))).await?;
        let squonk2_as = Squonk2AsSim::seeded();
        let squonk2_as_server =
            SimServer::start_with(squonk2_as.router(), with(Arc::new(squonk2_as.clone()))).await?;
        Ok(Simulators {
            cas,
            cas_server,
            keystone,
            keystone_server,
            keycloak,
            keycloak_server,
            astakos,
            astakos_server,
            ecl_sss,
            ecl_sss_server,
            squonk2_as,
            squonk2_as_server,
        })
    }

    /// URLs and seeded credentials:
    /// `{"cas":{"url","group","username","password","apps":[{"name","service_url","api_url"}]},
    /// "keystone":{"url","auth_url","username","password","user_domain_id","project_id"},
    /// "keycloak":{"url","realm","client_id","username","password"},
    /// "astakos":{...},"ecl-sss":{...},"squonk2-as":{...}}` (see
    /// [`AstakosSim::seed_json`], [`EclSssSim::seed_json`],
    /// [`Squonk2AsSim::seed_json`]).
    pub fn seed_json(&self) -> serde_json::Value {
        serde_json::json!({
            "cas": self.cas.seed_json(&self.cas_server.base_url()),
            "keystone": self.keystone.seed_json(&self.keystone_server.base_url()),
            "keycloak": self.keycloak.seed_json(&self.keycloak_server.base_url()),
            "astakos": self.astakos.seed_json(&self.astakos_server.base_url()),
            "ecl-sss": self.ecl_sss.seed_json(&self.ecl_sss_server.base_url()),
            "squonk2-as": self.squonk2_as.seed_json(&self.squonk2_as_server.base_url()),
        })
    }
}
