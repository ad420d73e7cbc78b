//! The ids the settings keep of Склад Pro's rows, each its own type: an object's id cannot be
//! given where a user's is wanted. Stored as plain numbers.

use serde::{Deserialize, Serialize};

macro_rules! ids {
    ($($(#[$doc:meta])* $name:ident;)*) => {$(
        $(#[$doc])*
        #[derive(
            Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize,
        )]
        #[serde(transparent)]
        pub struct $name(pub i64);

        impl $name {
            /// The number Склад Pro keeps.
            pub fn get(self) -> i64 {
                self.0
            }
        }

        impl From<i64> for $name {
            fn from(id: i64) -> $name {
                $name(id)
            }
        }

        impl From<$name> for i64 {
            fn from(id: $name) -> i64 {
                id.0
            }
        }

        impl PartialEq<i64> for $name {
            fn eq(&self, other: &i64) -> bool {
                self.0 == *other
            }
        }

        impl PartialEq<$name> for i64 {
            fn eq(&self, other: &$name) -> bool {
                *self == other.0
            }
        }

        impl std::fmt::Display for $name {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                self.0.fmt(f)
            }
        }
    )*};
}

/// The numbers of a list of ids.
pub fn numbers<T: Copy + Into<i64>>(ids: &[T]) -> Vec<i64> {
    ids.iter().map(|&i| i.into()).collect()
}

ids! {
    /// An object (обект: a shop, a warehouse).
    ObjectId;
    /// A group of objects.
    ObjectGroupId;
    /// A user of Склад Pro.
    UserId;
    /// A good (стока).
    GoodId;
    /// A group of goods.
    GoodsGroupId;
    /// A VAT group.
    VatGroupId;
    /// A payment type.
    PaymentTypeId;
}

/// The kinds of server this program is (Utility Center's "Тип на сървъра"); one for now.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum ServerType {
    /// Склад Pro ⇄ CloudCart import and export.
    #[default]
    #[serde(rename = "Warehouse Pro Import Export CloudCart")]
    WarehouseProCloudCart,
}

impl ServerType {
    /// The name Utility Center shows.
    pub fn name(self) -> &'static str {
        match self {
            ServerType::WarehouseProCloudCart => "Warehouse Pro Import Export CloudCart",
        }
    }
}
