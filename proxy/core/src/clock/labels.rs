//! The fixed label values, as static strings, so that building a series on
//! the line path neither allocates nor touches a reference count.

use std::borrow::Borrow;
use std::cell::RefCell;
use std::sync::Arc;

use super::effects::{Label, Labels};

/// Label sets remembered by [`LabelCache`] (a T-BC with many ports uses a
/// few dozen; more are built afresh after the memo is emptied).
const MEMO: usize = 64;

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
    /// Shared label sets by the addresses of their texts.
    memo: RefCell<Vec<([usize; 3], Arc<Labels>)>>,
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
            memo: RefCell::new(Vec::new()),
        }
    }
}

impl LabelCache {
    /// `{process, iface}`.
    pub fn proc_iface(&self, process: &Label, iface: impl Borrow<Label>) -> Arc<Labels> {
        self.shared(None, process, iface.borrow())
    }
    /// `{from, process, iface}`.
    pub fn src_proc_iface(
        &self,
        from: &Label,
        process: &Label,
        iface: impl Borrow<Label>,
    ) -> Arc<Labels> {
        self.shared(Some(from), process, iface.borrow())
    }

    /// The shared set of these labels, built once (the lines of a running
    /// clock use a handful of sets, over and over).
    fn shared(&self, from: Option<&Label>, process: &Label, iface: &Label) -> Arc<Labels> {
        let key = [from.map_or(0, Label::addr), process.addr(), iface.addr()];
        let mut memo = self.memo.borrow_mut();
        if let Some((_, set)) = memo.iter().find(|(k, _)| *k == key) {
            return Arc::clone(set);
        }
        let set = Arc::new(Labels {
            from: from.cloned(),
            process: Some(process.clone()),
            iface: Some(iface.clone()),
            ..Labels::default()
        });
        if memo.len() >= MEMO {
            memo.clear();
        }
        // The entry keeps the labels' texts alive: an address in a key
        // cannot be reused for another text meanwhile.
        memo.push((key, Arc::clone(&set)));
        set
    }
    /// `interface_role{process="ptp4l", iface=<raw>}`.
    pub fn ptp4l_raw(&self, iface: &str) -> Arc<Labels> {
        self.proc_iface(&self.ptp4l, Label::from(iface))
    }
}
