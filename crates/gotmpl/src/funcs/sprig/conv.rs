//! Sprig's loose conversions of `interface{}` arguments (cast.ToInt64, strval, …).
