//! `Display` for the line model: the exact text linuxptp and the daemon
//! print, with linuxptp's printf column widths. The simulator renders every
//! line it sends with this, so parse∘render is tested as an identity.
//!
//! Frequencies are written with `{:+7}` (linuxptp's `%+7.0f` for the
//! integer values linuxptp prints, and the shortest exact decimal for a
//! fractional value, so that such a value also survives a round trip).

use std::fmt::{self, Display, Formatter};

use super::model::*;

impl Display for LogLine<'_> {
    fn fmt(&self, f: &mut Formatter<'_>) -> fmt::Result {
        match self {
            LogLine::Control(Control::Restart) => f.write_str("CMD RESTART"),
            LogLine::Control(Control::LiveStart) => f.write_str("CMD LIVE_START"),
            LogLine::Entry(e) => e.fmt(f),
        }
    }
}

impl Display for Entry<'_> {
    fn fmt(&self, f: &mut Formatter<'_>) -> fmt::Result {
        let (src, stamp, cfg) = (self.source, self.stamp, self.config);
        match self.prefix {
            Prefix::Raw => write!(f, "{src}[{stamp}]: [{cfg}")?,
            Prefix::Synthetic => write!(f, "{src}[{stamp}]:[{cfg}")?,
            Prefix::Chronyd => write!(f, "{src}[{stamp}][{cfg}")?,
            Prefix::Bare => write!(f, "{src} {stamp} {cfg}")?,
        }
        // The level suffix is kept in every form, so that render∘parse is
        // the identity even for a synthetic line that carries one.
        if let Some(level) = self.level {
            write!(f, ":{level}")?;
        }
        f.write_str(match self.prefix {
            Prefix::Raw | Prefix::Synthetic => "] ",
            Prefix::Chronyd => "]: ",
            Prefix::Bare => " ",
        })?;
        self.body.fmt(f)
    }
}

fn summary(f: &mut Formatter<'_>, s: &Summary) -> fmt::Result {
    write!(
        f,
        "rms {:4} max {:4} freq {:+6} +/- {:3}",
        s.rms, s.max, s.freq, s.freq_sd
    )?;
    if let Some((d, sd)) = s.delay {
        write!(f, " delay {d:5} +/- {sd:3}")?;
    }
    Ok(())
}

impl Display for Body<'_> {
    fn fmt(&self, f: &mut Formatter<'_>) -> fmt::Result {
        match self {
            Body::PtpOffset(o) => {
                write!(
                    f,
                    "master offset {:10} {} freq {:+7}",
                    o.offset,
                    o.servo.token(),
                    o.freq
                )?;
                if let Some(d) = o.delay {
                    write!(f, " path delay {d:9}")?;
                }
                Ok(())
            }
            Body::PtpSummary(s) => summary(f, s),
            Body::PortState(p) => {
                write!(f, "port {}", p.port)?;
                if let Some(i) = p.iface {
                    write!(f, " ({i})")?;
                }
                write!(f, ": {} to {} on {}", p.from, p.to, p.event)?;
                if let Some(x) = p.fault {
                    write!(f, " ({x})")?;
                }
                Ok(())
            }
            Body::ClockClass(c) if c.fractional => {
                write!(f, "CLOCK_CLASS_CHANGE {}.000000", c.class)
            }
            Body::ClockClass(c) => write!(f, "CLOCK_CLASS_CHANGE {}", c.class),
            Body::ProcessStatus(p) => write!(
                f,
                "PTP_PROCESS_STATUS{}{}",
                if p.colon { ':' } else { ' ' },
                u8::from(p.running)
            ),
            Body::Phc2sysOffset(o) => {
                write!(
                    f,
                    "CLOCK_REALTIME {} offset {:9} {} freq {:+7}",
                    o.source.token(),
                    o.offset,
                    o.servo.token(),
                    o.freq
                )?;
                if let Some(d) = o.delay {
                    write!(f, " delay {d:6}")?;
                }
                Ok(())
            }
            Body::Phc2sysSummary(s) => {
                f.write_str("CLOCK_REALTIME ")?;
                summary(f, s)
            }
            Body::Ts2phcOffset(o) => {
                write!(
                    f,
                    "{}{} offset {:10} {} freq {:+7}",
                    o.iface,
                    if o.legacy { " master" } else { "" },
                    o.offset,
                    o.servo.token(),
                    o.freq
                )?;
                if o.holdover {
                    f.write_str(" holdover")?;
                }
                Ok(())
            }
            Body::NmeaStatus(n) => write!(
                f,
                "{} nmea_status {} offset {} {}",
                n.iface,
                u8::from(n.available),
                n.offset,
                n.state.0
            ),
            Body::Gnss(g) => write!(
                f,
                "{} gnss_status {} offset {} {}",
                g.iface, g.fix, g.offset, g.state.0
            ),
            Body::Dpll(d) => {
                f.write_str(d.iface)?;
                for (k, v) in [
                    ("frequency_status", d.frequency_status),
                    ("offset", d.offset),
                    ("phase_status", d.phase_status),
                    ("pps_status", d.pps_status),
                ] {
                    if let Some(v) = v {
                        write!(f, " {k} {v}")?;
                    }
                }
                write!(f, " {}", d.state.0)
            }
            Body::GmStatus(g) => write!(f, "{} T-GM-STATUS {}", g.iface, g.state.0),
            Body::TbcStatus(t) => write!(
                f,
                "{} offset {} T-BC-STATUS {}",
                t.iface, t.offset, t.state.0
            ),
            Body::Synce(s) => match s.report {
                SynceReport::State { eec_state } => write!(
                    f,
                    "{} device {} eec_state {} network_option {} {}",
                    s.iface, s.device, eec_state, s.network_option, s.state.0
                ),
                SynceReport::Quality {
                    clock_quality,
                    ql,
                    ext_ql,
                } => {
                    write!(
                        f,
                        "{} clock_quality {} device {}",
                        s.iface, clock_quality, s.device
                    )?;
                    if let Some(e) = ext_ql {
                        write!(f, " ext_ql {e:#x}")?;
                    }
                    write!(
                        f,
                        " network_option {} ql {ql:#x} {}",
                        s.network_option, s.state.0
                    )
                }
            },
            Body::Chronyd(c) => f.write_str(c.text),
            Body::HaProfile(h) => write!(
                f,
                "ptp_ha_profile {} state {}",
                h.profile,
                u8::from(h.active)
            ),
            Body::Other { text, .. } => f.write_str(text),
        }
    }
}
