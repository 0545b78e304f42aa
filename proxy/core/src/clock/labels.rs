//! The fixed label values, as static strings, so that building a series on
//! the line path neither allocates nor touches a reference count.

use super::effects::{Label, Labels};

/// Label values used on every line.
#[derive(Debug, Clone)]
pub struct LabelCache {
    pub ptp4l: Label,
    pub phc2sys: Label,
    pub ts2phc: Label,
    pub gnss: Label,
    pub dpll: Label,
    pub gm: Label,
    pub tbc: Label,
    pub synce4l: Label,
    pub chronyd: Label,
    pub master: Label,
    pub phc: Label,
    pub sys: Label,
    pub clock_realtime: Label,
    pub ssm: Label,
    pub ext_ssm: Label,
}

impl Default for LabelCache {
    fn default() -> Self {
        let l = |s: &'static str| -> Label { Label::Static(s) };
        LabelCache {
            ptp4l: l("ptp4l"),
            phc2sys: l("phc2sys"),
            ts2phc: l("ts2phc"),
            gnss: l("gnss"),
            dpll: l("dpll"),
            gm: l("GM"),
            tbc: l("T-BC"),
            synce4l: l("synce4l"),
            chronyd: l("chronyd"),
            master: l("master"),
            phc: l("phc"),
            sys: l("sys"),
            clock_realtime: l("CLOCK_REALTIME"),
            ssm: l("SSM"),
            ext_ssm: l("Extended SSM"),
        }
    }
}

impl LabelCache {
    /// `{process, iface}`.
    pub fn proc_iface(&self, process: &Label, iface: Label) -> Labels {
        Labels {
            process: Some(process.clone()),
            iface: Some(iface),
            ..Labels::default()
        }
    }
    /// `{from, process, iface}`.
    pub fn src_proc_iface(&self, from: &Label, process: &Label, iface: Label) -> Labels {
        Labels {
            from: Some(from.clone()),
            process: Some(process.clone()),
            iface: Some(iface),
            ..Labels::default()
        }
    }
    /// `interface_role{process="ptp4l", iface=<raw>}`.
    pub fn ptp4l_raw(&self, iface: &str) -> Labels {
        self.proc_iface(&self.ptp4l, Label::from(iface))
    }
}
