/** PKCS#11 (v2.40) numbers the token layer uses: slot and token flags, object classes, attributes. */

// Slot flags (CK_SLOT_INFO.flags)
export const CKF_REMOVABLE_DEVICE = 0x2;
export const CKF_HW_SLOT = 0x4;

// Token flags (CK_TOKEN_INFO.flags)
export const CKF_LOGIN_REQUIRED = 0x4;
export const CKF_USER_PIN_INITIALIZED = 0x8;
export const CKF_PROTECTED_AUTHENTICATION_PATH = 0x100;
export const CKF_TOKEN_INITIALIZED = 0x400;
export const CKF_USER_PIN_COUNT_LOW = 0x10000;
export const CKF_USER_PIN_FINAL_TRY = 0x20000;
export const CKF_USER_PIN_LOCKED = 0x40000;
export const CKF_USER_PIN_TO_BE_CHANGED = 0x80000;

/** The four flags that describe the user PIN's retry state. */
export const USER_PIN_STATE_FLAGS = CKF_USER_PIN_COUNT_LOW | CKF_USER_PIN_FINAL_TRY | CKF_USER_PIN_LOCKED | CKF_USER_PIN_TO_BE_CHANGED;

export const CKF_SERIAL_SESSION = 0x4;

// Object classes and attributes
export const CKO_CERTIFICATE = 0x1;
export const CKO_PRIVATE_KEY = 0x3;
export const CKA_CLASS = 0x0;
export const CKA_LABEL = 0x3;
export const CKA_VALUE = 0x11;
export const CKA_CERTIFICATE_TYPE = 0x80;
export const CKA_ID = 0x102;
export const CKC_X_509 = 0x0;

// Mechanisms
export const CKM_RSA_PKCS_PSS = 0xd;
