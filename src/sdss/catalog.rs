//! The 30 SDSS interacting pairs of seed 000's Tables B1 (relative inclination ≈ 0°) and B2
//! (≈ 45°), kept in `data/sdss_interacting_pairs.csv`, one row per pair:
//!
//! | column | meaning |
//! |---|---|
//! | `obj_id` | SDSS designation `Jhhmmss.ss±ddmmss.s` as printed (some without the dots) |
//! | `ra`, `dec` | position of the pair in degrees, as printed (two decimals, truncated) |
//! | `i1`, `i2` | inclinations of galaxy 1 and 2 (HyperLEDA), degrees |
//! | `pa1`, `pa2` | position angles of galaxy 1 and 2 (HyperLEDA, 0–180 N through E), degrees |
//! | `i` | relative inclination from Eq. 6, degrees, as printed |
//! | `u_mag1`, `b_mag1`, `i_mag1` | total U, B, I magnitudes of galaxy 1 |
//! | `u_mag2`, `b_mag2`, `i_mag2` | total U, B, I magnitudes of galaxy 2 |
//! | `class` | 0 or 45: the table the pair comes from |
//! | `table` | `B1` or `B2` |

use super::geometry::RelInclinationClass;
use crate::error::{Error, Result};
use serde::{Deserialize, Serialize};
use std::path::Path;

/// Where the catalogue lives in the repository.
pub const DEFAULT_CATALOG_PATH: &str = "data/sdss_interacting_pairs.csv";

/// One row of Tables B1/B2.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct InteractingPair {
    /// SDSS designation, e.g. `J15265746+1009004` or `J105953.07+432208.2`.
    pub obj_id: String,
    /// Right ascension in degrees, as printed.
    pub ra: f64,
    /// Declination in degrees, as printed.
    pub dec: f64,
    /// Inclination of galaxy 1, degrees.
    pub i1: f64,
    /// Inclination of galaxy 2, degrees.
    pub i2: f64,
    /// Position angle of galaxy 1, degrees.
    pub pa1: f64,
    /// Position angle of galaxy 2, degrees.
    pub pa2: f64,
    /// Relative inclination as printed in the table, degrees.
    pub i: f64,
    /// Total U magnitude of galaxy 1.
    pub u_mag1: f64,
    /// Total B magnitude of galaxy 1.
    pub b_mag1: f64,
    /// Total I magnitude of galaxy 1.
    pub i_mag1: f64,
    /// Total U magnitude of galaxy 2.
    pub u_mag2: f64,
    /// Total B magnitude of galaxy 2.
    pub b_mag2: f64,
    /// Total I magnitude of galaxy 2.
    pub i_mag2: f64,
    /// The class in degrees: 0 (Table B1) or 45 (Table B2).
    pub class: u32,
    /// The table the row comes from: `B1` or `B2`.
    pub table: String,
}

impl InteractingPair {
    /// The class as an enum.
    pub fn class(&self) -> RelInclinationClass {
        // `load_catalog` has checked that `class` is 0 or 45.
        RelInclinationClass::from_degrees(self.class).unwrap_or(RelInclinationClass::Deg0)
    }

    /// Relative inclination recomputed with Eq. 6 from i1, i2, PA1, PA2.
    pub fn eq6_inclination(&self) -> Result<f64> {
        super::geometry::relative_inclination(self.i1, self.i2, self.pa1, self.pa2)
    }

    /// The best position for a cutout, (RA, Dec) in degrees: from the SDSS designation, which
    /// is precise to ~0.1″, or the printed RA/Dec (truncated to 0.01° = 36″) if the designation
    /// cannot be parsed.
    pub fn center(&self) -> (f64, f64) {
        parse_designation(&self.obj_id).unwrap_or((self.ra, self.dec))
    }
}

/// The catalogue as a [`Table`](crate::display::Table) (HTML in a notebook): designation, table,
/// i1, i2, PA1, PA2, the printed i, i recomputed with Eq. 6, their difference, the class and the
/// ±15° label of the recomputed i.
pub fn catalog_table(pairs: &[InteractingPair]) -> Result<crate::display::Table> {
    let mut t = crate::display::Table::new(
        "Seed 000 Tables B1 and B2: SDSS interacting pairs, Eq. 6 recomputed",
        &[
            "obj_id",
            "table",
            "i1",
            "i2",
            "PA1",
            "PA2",
            "i (paper)",
            "i (Eq. 6)",
            "Δ",
            "class",
            "label",
        ],
    );
    for p in pairs {
        let i6 = p.eq6_inclination()?;
        let label = super::geometry::label_relative_inclination(i6);
        t.push_row(&[
            p.obj_id.clone(),
            p.table.clone(),
            format!("{}", p.i1),
            format!("{}", p.i2),
            format!("{}", p.pa1),
            format!("{}", p.pa2),
            format!("{:.2}", p.i),
            format!("{i6:.3}"),
            signed_3dp(i6 - p.i),
            format!("{}°", p.class),
            label
                .map(|c| c.to_string())
                .unwrap_or_else(|| "rejected".into()),
        ])?;
    }
    Ok(t)
}

/// `x` with a sign and three decimals, "0.000" for values that round to zero (no "-0.000").
fn signed_3dp(x: f64) -> String {
    if x.abs() < 5e-4 {
        "0.000".into()
    } else {
        format!("{x:+.3}")
    }
}

/// Parses an SDSS designation `Jhhmmss.ss±ddmmss.s` (the dots may be missing, as in
/// `J15265746+1009004`) into (RA, Dec) in degrees.
pub fn parse_designation(name: &str) -> Result<(f64, f64)> {
    let bad = |why: &str| Error::invalid("SDSS designation", name, why.to_string());
    let body = name
        .strip_prefix('J')
        .ok_or_else(|| bad("must start with 'J'"))?;
    let sign_at = body
        .find(['+', '-'])
        .ok_or_else(|| bad("needs a '+' or '-' before the declination"))?;
    let (ra_s, dec_s) = body.split_at(sign_at);
    let sign = if dec_s.starts_with('-') { -1.0 } else { 1.0 };
    let dec_s = &dec_s[1..];
    // Splits "hhmmss[.]ss" into (hh, mm, ss.ss).
    let sexa = |s: &str, what: &str| -> Result<(f64, f64, f64)> {
        let digits: String = s.chars().filter(|c| *c != '.').collect();
        if digits.len() < 6 || !digits.chars().all(|c| c.is_ascii_digit()) {
            return Err(bad(&format!(
                "{what} part '{s}' must be digits hhmmss[.s…]"
            )));
        }
        let a: f64 = digits[0..2].parse().map_err(|_| bad(what))?;
        let b: f64 = digits[2..4].parse().map_err(|_| bad(what))?;
        let frac = &digits[4..];
        let c: f64 = format!("{}.{}", &frac[..2], &frac[2..])
            .trim_end_matches('.')
            .parse()
            .map_err(|_| bad(what))?;
        if b >= 60.0 || c >= 60.0 {
            return Err(bad(&format!("{what} minutes/seconds must be < 60")));
        }
        Ok((a, b, c))
    };
    let (h, m, s) = sexa(ra_s, "RA")?;
    let (d, am, asec) = sexa(dec_s, "Dec")?;
    let ra = 15.0 * (h + m / 60.0 + s / 3600.0);
    let dec = sign * (d + am / 60.0 + asec / 3600.0);
    if ra >= 360.0 || dec.abs() > 90.0 {
        return Err(bad("coordinates out of range"));
    }
    Ok((ra, dec))
}

/// Loads and checks the catalogue file. Errors name the file, and for a bad row its line
/// number, designation and column.
pub fn load_catalog(path: impl AsRef<Path>) -> Result<Vec<InteractingPair>> {
    let path = path.as_ref();
    let text = std::fs::read_to_string(path).map_err(|e| Error::io(path, e))?;
    read_catalog(&text, &path.display().to_string())
}

/// Parses catalogue CSV text; `source` names it in error messages.
pub fn read_catalog(text: &str, source: &str) -> Result<Vec<InteractingPair>> {
    let mut reader = csv::ReaderBuilder::new()
        .trim(csv::Trim::All)
        .from_reader(text.as_bytes());
    let headers = reader
        .headers()
        .map_err(|e| Error::invalid(&format!("{source} header"), "", e.to_string()))?
        .clone();
    const EXPECTED: [&str; 16] = [
        "obj_id", "ra", "dec", "i1", "i2", "pa1", "pa2", "i", "u_mag1", "b_mag1", "i_mag1",
        "u_mag2", "b_mag2", "i_mag2", "class", "table",
    ];
    for col in EXPECTED {
        if !headers.iter().any(|h| h == col) {
            return Err(Error::invalid(
                &format!("{source} header"),
                headers.iter().collect::<Vec<_>>().join(","),
                format!("column '{col}' is missing"),
            ));
        }
    }
    let mut pairs = Vec::new();
    for record in reader.records() {
        let record = record.map_err(|e| {
            let line = e.position().map(|p| p.line()).unwrap_or(0);
            Error::invalid(&format!("{source} line {line}"), "", e.to_string())
        })?;
        let line = record.position().map(|p| p.line()).unwrap_or(0);
        let id = record.get(0).unwrap_or("?").to_string();
        let at = |col: &str| format!("{source} line {line} ({id}) column '{col}'");
        let pair: InteractingPair = record.deserialize(Some(&headers)).map_err(|e| {
            let de = match e.kind() {
                csv::ErrorKind::Deserialize { err, .. } => err,
                _ => return Error::invalid(&at("?"), "", e.to_string()),
            };
            let (col, value) = match de.field() {
                Some(k) => (
                    headers.get(k as usize).unwrap_or("?").to_string(),
                    record.get(k as usize).unwrap_or("").to_string(),
                ),
                None => ("?".to_string(), String::new()),
            };
            let why = match de.kind() {
                csv::DeserializeErrorKind::ParseFloat(_) => "must be a number".to_string(),
                csv::DeserializeErrorKind::ParseInt(_) => {
                    "must be a whole number (0 or 45)".to_string()
                }
                _ => de.to_string(),
            };
            Error::invalid(&at(&col), value, why)
        })?;
        check_pair(&pair, &at)?;
        pairs.push(pair);
    }
    if pairs.is_empty() {
        return Err(Error::invalid(source, "", "has no rows"));
    }
    Ok(pairs)
}

fn check_pair(p: &InteractingPair, at: &dyn Fn(&str) -> String) -> Result<()> {
    let range = |col: &str, v: f64, lo: f64, hi: f64| -> Result<()> {
        if !v.is_finite() || v < lo || v > hi {
            return Err(Error::invalid(
                &at(col),
                v,
                format!("must lie in [{lo}, {hi}]"),
            ));
        }
        Ok(())
    };
    if p.obj_id.is_empty() {
        return Err(Error::invalid(&at("obj_id"), "", "must not be empty"));
    }
    if !(p.ra.is_finite() && (0.0..360.0).contains(&p.ra)) {
        return Err(Error::invalid(&at("ra"), p.ra, "must lie in [0, 360)"));
    }
    range("dec", p.dec, -90.0, 90.0)?;
    range("i1", p.i1, 0.0, 90.0)?;
    range("i2", p.i2, 0.0, 90.0)?;
    range("pa1", p.pa1, 0.0, 180.0)?;
    range("pa2", p.pa2, 0.0, 180.0)?;
    range("i", p.i, 0.0, 180.0)?;
    for (col, v) in [
        ("u_mag1", p.u_mag1),
        ("b_mag1", p.b_mag1),
        ("i_mag1", p.i_mag1),
        ("u_mag2", p.u_mag2),
        ("b_mag2", p.b_mag2),
        ("i_mag2", p.i_mag2),
    ] {
        range(col, v, -5.0, 35.0)?;
    }
    RelInclinationClass::from_degrees(p.class)
        .map_err(|_| Error::invalid(&at("class"), p.class, "must be 0 or 45"))?;
    if p.table != "B1" && p.table != "B2" {
        return Err(Error::invalid(&at("table"), &p.table, "must be B1 or B2"));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn signed_differences_never_print_minus_zero() {
        assert_eq!(signed_3dp(-0.0002), "0.000");
        assert_eq!(signed_3dp(0.0004), "0.000");
        assert_eq!(signed_3dp(-0.0048), "-0.005");
        assert_eq!(signed_3dp(0.0012), "+0.001");
    }

    const HEADER: &str =
        "obj_id,ra,dec,i1,i2,pa1,pa2,i,u_mag1,b_mag1,i_mag1,u_mag2,b_mag2,i_mag2,class,table\n";
    const ROW: &str = "J15265746+1009004,231.74,10.15,61.3,61.4,109.7,109.1,0.54,18.66,17.1,15.47,19.94,19.38,18.41,0,B1\n";

    #[test]
    fn parses_designations_with_and_without_dots() {
        let (ra, dec) = parse_designation("J15265746+1009004").unwrap();
        assert!(
            (ra - 231.7394).abs() < 1e-3 && (dec - 10.1501).abs() < 1e-3,
            "{ra} {dec}"
        );
        let (ra, dec) = parse_designation("J130354.72-030631.6").unwrap();
        assert!(
            (ra - 195.978).abs() < 1e-3 && (dec + 3.1088).abs() < 1e-3,
            "{ra} {dec}"
        );
        assert!(parse_designation("15265746+1009004").is_err());
        assert!(parse_designation("J1526x746+1009004").is_err());
        assert!(parse_designation("J152657461009004").is_err());
    }

    #[test]
    fn bad_rows_name_line_and_column() {
        let ok = read_catalog(&format!("{HEADER}{ROW}"), "t.csv").unwrap();
        assert_eq!(ok.len(), 1);
        assert_eq!(ok[0].class(), RelInclinationClass::Deg0);

        let bad = ROW.replace("109.7", "abc");
        let e = read_catalog(&format!("{HEADER}{ROW}{bad}"), "t.csv")
            .unwrap_err()
            .to_string();
        assert!(
            e.contains("line 3") && e.contains("'pa1'") && e.contains("abc"),
            "{e}"
        );

        let bad = ROW.replace(",0,B1", ",30,B1");
        let e = read_catalog(&format!("{HEADER}{bad}"), "t.csv")
            .unwrap_err()
            .to_string();
        assert!(
            e.contains("line 2") && e.contains("'class'") && e.contains("30"),
            "{e}"
        );

        let bad = ROW.replace("61.4", "95");
        let e = read_catalog(&format!("{HEADER}{bad}"), "t.csv")
            .unwrap_err()
            .to_string();
        assert!(e.contains("'i2'") && e.contains("95"), "{e}");

        let e = read_catalog(&format!("{HEADER}{}", &ROW[..40]), "t.csv").unwrap_err();
        assert!(e.to_string().contains("line 2"), "{e}");

        let e = read_catalog(&HEADER.replace(",pa2", ""), "t.csv").unwrap_err();
        assert!(e.to_string().contains("'pa2' is missing"), "{e}");

        assert!(read_catalog(HEADER, "t.csv").is_err());
    }
}
